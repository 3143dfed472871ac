import pytest

from part8_recursive import RecursiveResolver, load_root_hints

from .world import running_world


@pytest.fixture(scope="module")
def world():
    """The lab's tree and part 8's extra zones, on one port, counting queries."""
    with running_world() as running:
        yield running


@pytest.fixture
def resolver(world):
    """A fresh recursive resolver (empty caches) for the world."""
    return RecursiveResolver(load_root_hints(world.root_hints), port=world.port)
