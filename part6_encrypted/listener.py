"""A DNS-over-TLS listener beside UDP and TCP, serving the same processor.

DoT is DNS over TCP inside TLS, so the listener is part 2's TCP server with
TLS in front: the same connection handler (length prefixes, pipelining,
idle timeout, the connection cap, the per-client rate limit, part 4's fast
path for cache hits), with asyncio doing the handshake before the handler
ever sees a byte. Only what TLS adds is here.
"""

from __future__ import annotations

import asyncio
import logging
import ssl

from part2_server import DnsServer

logger = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT = 5.0  # seconds a client gets to finish the TLS handshake


# --8<-- [start:read_buffers]
def keep_tls_read_buffers_on_the_heap() -> None:
    """Have glibc serve TLS read buffers from its heap, not one mmap() each.

    Python's TLS over asyncio (asyncio's and uvloop's SSLProtocol alike)
    reads every TLS record into a fresh 256 KiB buffer, then shrinks it to
    what the record held. glibc hands out blocks of that size with mmap()
    and takes them back with munmap(): system calls and page faults for
    every record, which tripled the CPU of a cache hit over DoT. glibc
    moves that threshold up by itself, but only after a larger mapped block
    has been freed, which happens when it happens (so the first DoT benchmark
    of a fresh process was slow, and later ones fast). Freeing one such block
    now moves it at start-up. Other C libraries are just left with 512 KiB
    allocated and freed.
    """
    bytes(512 * 1024)  # made and freed at once: glibc now keeps 256 KiB blocks on its heap
# --8<-- [end:read_buffers]


# --8<-- [start:server]
class EncryptedServer(DnsServer):
    """Part 2's server, plus a DNS-over-TLS port (RFC 7858) when given a TLS context."""

    def __init__(self, *args, tls: ssl.SSLContext | None = None, tls_port: int = 853,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tls = tls
        self.tls_port = tls_port
        self._tls_server: asyncio.Server | None = None
        self._tls_writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 8053, *,
                    reuse_port: bool = False) -> None:
        await super().start(host, port, reuse_port=reuse_port)
        if self.tls is None:
            return
        keep_tls_read_buffers_on_the_heap()
        try:
            # Part 2's TCP connection handler, unchanged (the wrapper only
            # remembers the connection): asyncio hands it the decrypted
            # stream once the handshake is done.
            self._tls_server = await asyncio.start_server(
                self._serve_tls_connection, host, self.tls_port, ssl=self.tls,
                ssl_handshake_timeout=HANDSHAKE_TIMEOUT, reuse_port=reuse_port or None,
            )
        except OSError:
            await super().stop()
            raise
        self.tls_port = self._tls_server.sockets[0].getsockname()[1]
        logger.info("DNS over TLS on %s port %d", host, self.tls_port)

    async def _serve_tls_connection(self, reader: asyncio.StreamReader,
                                    writer: asyncio.StreamWriter) -> None:
        self._tls_writers.add(writer)
        try:
            await self._serve_connection(reader, writer)  # part 2's, as for TCP
        finally:
            self._tls_writers.discard(writer)

    async def stop(self, grace: float = 2.0) -> None:
        if self._tls_server is not None:
            self._tls_server.close()  # no new connections; open ones end with the rest
        await super().stop(grace)
        for writer in list(self._tls_writers):
            # A TLS close waits for the client's close_notify; a stopping
            # server does not wait: drop what is left.
            writer.transport.abort()
        if self._tls_server is not None:
            await self._tls_server.wait_closed()
            self._tls_server = None
# --8<-- [end:server]
