"""The server loop: UDP and TCP on one port, both feeding `protocol.respond`.

    server = DnsServer(processor)
    await server.start("127.0.0.1", 8053)
    ...
    await server.stop()
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterable
from pathlib import Path

from part1_client.sizes import MAX_MESSAGE

from .authority import ZoneProcessor
from .processor import Endpoint, Processor
from .protocol import refused_from_header, respond
from .ratelimit import ClientRateLimit
from .zones import load_zones

logger = logging.getLogger(__name__)

# A wrapper may answer from the raw query bytes before anything is parsed
# (part 4's cache does). It returns the reply bytes, or None to go on as usual.
FastPath = Callable[[bytes, Endpoint, bool], bytes | None]

TCP_LENGTH_PREFIX = 2


class DnsServer:
    """Serve one processor over UDP and TCP on the same address and port."""

    def __init__(
        self,
        processor: Processor,
        *,
        fast_path: FastPath | None = None,
        tcp_idle_timeout: float = 10.0,
        max_tcp_connections: int = 128,
        max_in_flight: int = 1024,
        rate_limit: ClientRateLimit | None = None,
    ) -> None:
        self.processor = processor
        self.fast_path = fast_path
        self.rate_limit = rate_limit
        self.tcp_idle_timeout = tcp_idle_timeout
        self.max_tcp_connections = max_tcp_connections
        self.max_in_flight = max_in_flight
        self._udp: _UdpSocket | None = None
        self._tcp: asyncio.Server | None = None
        self._address: Endpoint = ("", 0)
        self._in_flight: set[asyncio.Task] = set()
        self._connections: set[asyncio.StreamWriter] = set()
        self._accepting = True

    @property
    def host(self) -> str:
        return self._address[0]

    @property
    def port(self) -> int:
        return self._address[1]

    async def __aenter__(self) -> DnsServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --8<-- [start:start]
    async def start(self, host: str = "127.0.0.1", port: int = 8053) -> None:
        """Listen on `host`:`port` over UDP and TCP (port 0 picks a free one)."""
        loop = asyncio.get_running_loop()
        for _ in range(20):
            self._udp = _UdpSocket(host, port, loop, self.datagram_received)
            chosen = self._udp.port
            try:
                self._tcp = await asyncio.start_server(self._serve_connection, host, chosen)
            except OSError:
                self._udp.close()
                if port:  # the port was asked for by name: its TCP side is taken
                    raise
                continue  # an ephemeral UDP port whose TCP twin is busy: pick again
            self._address = (host, chosen)
            return
        raise OSError(f"no port free for both UDP and TCP on {host}")
    # --8<-- [end:start]

    async def stop(self, grace: float = 2.0) -> None:
        """Stop taking queries, give those in flight `grace` seconds, then close."""
        self._accepting = False
        if self._tcp is not None:
            self._tcp.close()  # no new connections; open ones finish their answers
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=grace)
        for task in list(self._in_flight):
            task.cancel()
        if self._udp is not None:
            self._udp.close()
        for writer in list(self._connections):
            writer.close()
        if self._tcp is not None:
            await self._tcp.wait_closed()
        self._udp = self._tcp = None

    def _spawn(self, coroutine) -> asyncio.Task | None:
        """Run a query's work as a task, unless too many are in flight already."""
        if len(self._in_flight) >= self.max_in_flight:
            coroutine.close()
            logger.warning("over %d queries in flight: dropping one", self.max_in_flight)
            return None
        task = asyncio.get_running_loop().create_task(coroutine)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        return task

    def _answer_before_parsing(self, wire: bytes, src: Endpoint, udp: bool) -> bytes | None:
        if self.rate_limit is not None and not self.rate_limit.allow(src[0]):
            return refused_from_header(wire)
        if self.fast_path is None:
            return None
        try:
            return self.fast_path(wire, src, udp)
        except Exception:
            logger.exception("fast path failed; answering the slow way")
            return None

    # --8<-- [start:udp]
    def datagram_received(self, wire: bytes, address: tuple) -> None:
        if not self._accepting:
            return  # stopping: only the answers already in flight go out
        src = address[:2]  # IPv6 addresses come with flow info and scope id
        reply = self._answer_before_parsing(wire, src, True)
        if reply is not None:
            self._udp.sendto(reply, address)
            return
        self._spawn(self._answer_datagram(wire, address))

    async def _answer_datagram(self, wire: bytes, address: tuple) -> None:
        reply = await respond(
            wire, self.processor, src=address[:2], dst=self._address, udp=True
        )
        if reply is not None and self._udp is not None:
            self._udp.sendto(reply, address)
    # --8<-- [end:udp]

    # --8<-- [start:tcp]
    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if len(self._connections) >= self.max_tcp_connections:
            writer.close()  # RFC 7766 s6.2.2: a server may close when it must
            return
        self._connections.add(writer)
        src = writer.get_extra_info("peername")[:2]
        answering: set[asyncio.Task] = set()
        try:
            while True:
                wire = await self._read_message(reader)
                if wire is None or not self._accepting:
                    break
                reply = self._answer_before_parsing(wire, src, False)
                if reply is not None:
                    _write_message(writer, reply)
                    continue
                # RFC 7766 s6.2.1.1: pipelined queries are answered as each is
                # ready, possibly out of order; the ID tells the client which is which.
                task = self._spawn(self._answer_stream(wire, src, writer))
                if task is not None:
                    answering.add(task)
                    task.add_done_callback(answering.discard)
            if answering:  # the client is done sending: finish what it asked
                await asyncio.wait(answering, timeout=self.tcp_idle_timeout)
        finally:
            for task in answering:
                task.cancel()
            self._connections.discard(writer)
            writer.close()

    async def _read_message(self, reader: asyncio.StreamReader) -> bytes | None:
        """The next length-prefixed message, or None on close, error or idleness."""
        try:
            async with asyncio.timeout(self.tcp_idle_timeout):
                prefix = await reader.readexactly(TCP_LENGTH_PREFIX)
                return await reader.readexactly(int.from_bytes(prefix, "big"))
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            return None

    async def _answer_stream(
        self, wire: bytes, src: Endpoint, writer: asyncio.StreamWriter
    ) -> None:
        reply = await respond(wire, self.processor, src=src, dst=self._address, udp=False)
        if reply is not None and not writer.is_closing():
            _write_message(writer, reply)
    # --8<-- [end:tcp]


def _write_message(writer: asyncio.StreamWriter, message: bytes) -> None:
    # One write call per message, so pipelined replies never interleave.
    writer.write(len(message).to_bytes(TCP_LENGTH_PREFIX, "big") + message)


# --8<-- [start:udp_socket]
class _UdpSocket:
    """UDP on a plain non-blocking socket, read by a callback of the event loop.

    asyncio's datagram transport goes back to the selector after every
    packet. Under load many packets wait in the socket at once: reading them
    all in one callback (up to a bound, so TCP and timers still get their
    turn) saves most of the event loop's cost per packet. `make bench`
    measures both ways with bench/echo.py; the performance page has the figures.
    """

    BURST = 64  # packets read per wake-up at most

    def __init__(self, host: str, port: int, loop: asyncio.AbstractEventLoop,
                 received: Callable[[bytes, tuple], None]) -> None:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_DGRAM)[0]
        self._sock = socket.socket(family, kind, proto)
        try:
            self._sock.setblocking(False)
            self._sock.bind(address)
        except OSError:
            self._sock.close()
            raise
        self._loop = loop
        self._received = received
        loop.add_reader(self._sock.fileno(), self._readable)

    def _readable(self) -> None:
        recvfrom, received = self._sock.recvfrom, self._received
        for _ in range(self.BURST):
            try:
                wire, address = recvfrom(MAX_MESSAGE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                # An ICMP error for an earlier reply (the client went away).
                logger.debug("UDP error: %s", error)
                return
            received(wire, address)

    def sendto(self, data: bytes, address: tuple) -> None:
        try:
            self._sock.sendto(data, address)
        except OSError as error:  # a full send buffer: UDP may drop, the client retries
            logger.debug("UDP send to %s failed: %s", address, error)

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def close(self) -> None:
        if self._sock.fileno() >= 0:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
# --8<-- [end:udp_socket]


# --8<-- [start:serve]
async def serve_with_processor(
    processor: Processor, host: str = "127.0.0.1", port: int = 8053, **options
) -> None:
    """Answer queries with `processor` on `host`:`port` until cancelled."""
    server = DnsServer(processor, **options)
    await server.start(host, port)
    logger.info("serving on %s port %d (UDP and TCP)", server.host, server.port)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


async def serve_with_zonefile(
    paths: str | Path | Iterable[str | Path],
    host: str = "127.0.0.1",
    port: int = 8053,
    origin: str | None = None,
) -> None:
    """Answer authoritatively from zone files on `host`:`port` until cancelled."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    await serve_with_processor(ZoneProcessor(load_zones(paths, origin)), host, port)
# --8<-- [end:serve]
