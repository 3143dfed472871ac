import pytest

from lab import Lab


@pytest.fixture(scope="module")
def net():
    """One running lab for the module's tests."""
    with Lab.start() as running:
        yield running
