import pytest
from dnstest.fake_server import FakeDnsServer


@pytest.fixture
async def second_upstream():
    """Another scripted upstream, for failing over from `fake_upstream` to this one."""
    async with FakeDnsServer() as server:
        yield server
