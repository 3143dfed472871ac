import pytest

from part4_cache import Cache, cached

from .helpers import FakeClock, Scripted


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def upstream():
    """The processor behind the cache, scripted per test."""
    return Scripted()


@pytest.fixture
def cache(clock):
    return Cache(clock=clock)


@pytest.fixture
def resolver(upstream, cache):
    """cached(upstream, cache): ask it by `slow(...)` or `fast(...)`."""
    return cached(upstream, cache)
