import sys
from pathlib import Path

import pytest

# Make `import dnstest` work from every test module.
sys.path.insert(0, str(Path(__file__).parent))

from dnstest.fake_server import FakeDnsServer


@pytest.fixture
async def fake_upstream():
    """A scripted fake DNS server running in the test's event loop (async tests)."""
    async with FakeDnsServer() as server:
        yield server


@pytest.fixture
def fake_upstream_thread():
    """The same fake server, in a thread of its own: for sync tests and subprocesses."""
    with FakeDnsServer.in_thread() as server:
        yield server
