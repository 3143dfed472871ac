"""Run one of our servers in a background thread, for tests that use plain sockets."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from part2_server.server import DnsServer


@contextlib.contextmanager
def serving_in_thread(server: DnsServer, host: str = "127.0.0.1") -> Iterator[DnsServer]:
    """Start `server` on an ephemeral port of `host` in its own event loop thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="dns-server", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(server.start(host, 0), loop).result(timeout=5)
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
