"""The server loop: UDP and TCP on one port, both feeding `protocol.respond`.

    server = DnsServer(processor)
    await server.start("127.0.0.1", 8053)
    ...
    await server.stop()
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import struct
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from part1_client.sizes import EDNS_PAYLOAD, MAX_MESSAGE, MAX_UDP_DATAGRAM, MIN_UDP_PAYLOAD

from .authority import ZoneProcessor
from .log_limit import RateLimitedWarning
from .processor import Endpoint, Processor
from .protocol import refused_from_header, respond
from .ratelimit import ClientRateLimit
from .udp_batches import DatagramBatches
from .zones import load_zones

logger = logging.getLogger(__name__)

# A wrapper may answer from the raw query bytes before anything is parsed
# (part 4's cache does). It returns the reply bytes, or None to go on as usual.
FastPath = Callable[[bytes, Endpoint, bool], bytes | None]
# What the fast path left, a wrapper may still answer from bytes, asynchronously
# (part 4 asks its upstream for a cache miss): over UDP, before the parse.
MissPath = Callable[[bytes, Endpoint], Awaitable[bytes | None]]

TCP_LENGTH_PREFIX = 2


# --8<-- [start:connection]
class _Connection:
    """One TCP client: its streams, the queries of it we are answering, its
    replies on their way out, and when it last spoke.

    Two choices here are for speed. Both matter when a client pipelines
    (dnsperf keeps 100 queries in flight; so may a home router forwarding a
    whole household over DNS over TLS), and the performance page measures
    them on part 6's DoT listener.

    - Replies ready in the same turn of the event loop leave in one write.
      A write each would be a send() system call each and, over TLS, a
      record each to encrypt, even when a hundred replies are ready at once.
    - The idle timeout is one timer for the whole connection, which looks at
      the clock only when it goes off. asyncio.timeout() around each read
      would set a timer and cancel it for every query.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 idle_timeout: float) -> None:
        self.reader, self.writer = reader, writer
        self.loop = asyncio.get_running_loop()
        self.handler = asyncio.current_task()  # the task serving it, which stop() waits for
        self.answering: set[asyncio.Task] = set()
        self.last_heard = self.loop.time()
        self._replies: list[bytes] = []  # length prefixes and messages, not yet written
        self._replies_size = 0
        self._idle_timeout = idle_timeout
        self._waiting_since: float | None = None  # when the read in progress began
        self._idle_timer = self.loop.call_at(self.last_heard + idle_timeout, self._check_idle)

    async def read_message(self) -> bytes | None:
        """The next length-prefixed message, or None on close, error or idleness."""
        self._waiting_since = self.loop.time()
        try:
            prefix = await self.reader.readexactly(TCP_LENGTH_PREFIX)
            wire = await self.reader.readexactly(int.from_bytes(prefix, "big"))
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            return None
        finally:
            self._waiting_since = None
        self.last_heard = self.loop.time()
        return wire

    def _check_idle(self) -> None:
        """The idle timer went off: end the read in progress if it has waited
        the whole idle timeout, or else go off again when it will have."""
        now = self.loop.time()
        began = now if self._waiting_since is None else self._waiting_since
        if now - began >= self._idle_timeout:
            # The waiting readexactly() raises it (as it raises the error of a
            # broken connection, which asyncio hands over the same way).
            self.reader.set_exception(TimeoutError())
        else:
            self._idle_timer = self.loop.call_at(began + self._idle_timeout, self._check_idle)

    def send(self, message: bytes) -> None:
        """Queue a message; it goes out with the others of this turn."""
        if not self._replies:
            self.loop.call_soon(self.flush)  # when this turn's callbacks have all run
        self._replies += (len(message).to_bytes(TCP_LENGTH_PREFIX, "big"), message)
        self._replies_size += TCP_LENGTH_PREFIX + len(message)

    def flush(self) -> None:
        """Write the queued messages, whole, in one write: they never interleave."""
        if self._replies and not self.writer.is_closing():
            self.writer.write(b"".join(self._replies))
        self._replies.clear()
        self._replies_size = 0

    def unsent(self) -> int:
        """Bytes of replies not yet taken by the client (queued, or written and waiting)."""
        return self._replies_size + self.writer.transport.get_write_buffer_size()

    def is_idle(self) -> bool:
        return not self.answering and not self.unsent()

    def close(self) -> None:
        """Close after the replies already queued (the client sees the end after them)."""
        self.flush()
        self._idle_timer.cancel()
        self.writer.close()

    def abort(self) -> None:
        """Close at once, dropping whatever is still queued for the client."""
        self._replies.clear()
        self._replies_size = 0
        self._idle_timer.cancel()
        _abort(self.writer)
# --8<-- [end:connection]


class DnsServer:
    """Serve one processor over UDP and TCP on the same address and port."""

    # Replies a TCP client may leave unread before we stop reading its queries.
    MAX_UNSENT = 64 * 1024
    # Queries of one TCP connection answered at once; the next waits its turn.
    MAX_PIPELINED = 32

    def __init__(
        self,
        processor: Processor,
        *,
        fast_path: FastPath | None = None,
        miss_path: MissPath | None = None,
        tcp_idle_timeout: float = 10.0,
        max_tcp_connections: int = 128,
        max_in_flight: int = 1024,
        max_udp_reply: int = EDNS_PAYLOAD,
        rate_limit: ClientRateLimit | None = None,
        udp_batches: bool = True,
    ) -> None:
        if not MIN_UDP_PAYLOAD <= max_udp_reply <= MAX_UDP_DATAGRAM:
            raise ValueError(f"max_udp_reply must be {MIN_UDP_PAYLOAD} to {MAX_UDP_DATAGRAM}")
        self.processor = processor
        self.fast_path = fast_path
        self.miss_path = miss_path
        self.rate_limit = rate_limit
        self.tcp_idle_timeout = tcp_idle_timeout
        self.max_tcp_connections = max_tcp_connections
        self.max_in_flight = max_in_flight
        self.max_udp_reply = max_udp_reply
        self.udp_batches = udp_batches  # recvmmsg and sendmmsg, where Linux has them
        self._udp: _UdpSocket | None = None
        self._tcp: asyncio.Server | None = None
        self._address: Endpoint = ("", 0)
        self._in_flight: set[asyncio.Task] = set()
        self._connections: set[_Connection] = set()
        self._accepting = True
        self._full = RateLimitedWarning(logger)

    @property
    def host(self) -> str:
        return self._address[0]

    @property
    def port(self) -> int:
        return self._address[1]

    def open_connections(self) -> int:
        """TCP sockets open now, the ones still closing included."""
        return len(self._connections)

    def unsent_bytes(self) -> int:
        """Bytes of replies that TCP clients have not taken yet."""
        return sum(connection.unsent() for connection in self._connections)

    async def __aenter__(self) -> DnsServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --8<-- [start:start]
    async def start(self, host: str = "127.0.0.1", port: int = 8053, *,
                    reuse_port: bool = False) -> None:
        """Listen on `host`:`port` over UDP and TCP (port 0 picks a free one).

        With `reuse_port`, other processes may listen on the same port too
        (SO_REUSEPORT), and the kernel shares the clients out among them:
        that is how --workers runs one server per core.
        """
        loop = asyncio.get_running_loop()
        for _ in range(20):
            self._udp = _UdpSocket(host, port, loop, self.datagram_received, reuse_port,
                                   self.udp_batches)
            chosen = self._udp.port
            try:
                self._tcp = await asyncio.start_server(self._serve_connection, host, chosen,
                                                       reuse_port=reuse_port or None)
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
        handlers = [connection.handler for connection in self._connections]
        for connection in list(self._connections):
            connection.close()
        # Each connection's task ends once its client has seen the close; those
        # still waiting after `grace` are cancelled, and none is left pending
        # for the event loop to drop when it closes.
        if handlers:
            _, late = await asyncio.wait(handlers, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._tcp is not None:
            await self._tcp.wait_closed()
        self._udp = self._tcp = None

    def _spawn(self, coroutine) -> asyncio.Task | None:
        """Run a query's work as a task, unless too many are in flight already."""
        if len(self._in_flight) >= self.max_in_flight:
            coroutine.close()
            self._full.warn("%d queries in flight already: dropped one", self.max_in_flight)
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
            reply = self.fast_path(wire, src, udp)
        except Exception:
            logger.exception("fast path failed; answering the slow way")
            return None
        if reply is not None and udp and len(reply) > self.max_udp_reply:
            return None  # over our UDP limit: the slow path truncates it
        return reply

    # --8<-- [start:udp]
    def datagram_received(self, wire: bytes, address: tuple) -> bytes | None:
        """The reply to a UDP query if the fast path has it now; else None, answered later."""
        if not self._accepting:
            return None  # stopping: only the answers already in flight go out
        src = address[:2]  # IPv6 addresses come with flow info and scope id
        reply = self._answer_before_parsing(wire, src, True)
        if reply is None:
            self._spawn(self._answer_datagram(wire, address))
        return reply

    async def _answer_datagram(self, wire: bytes, address: tuple) -> None:
        reply = None
        if self.miss_path is not None:
            try:
                reply = await self.miss_path(wire, address[:2])
            except Exception:
                logger.exception("miss path failed; answering the slow way")
        if reply is None:
            reply = await respond(wire, self.processor, src=address[:2], dst=self._address,
                                  udp=True, max_udp_reply=self.max_udp_reply)
        if reply is not None and self._udp is not None:
            self._udp.sendto(reply, address)
    # --8<-- [end:udp]

    # --8<-- [start:tcp]
    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if len(self._connections) >= self.max_tcp_connections and not self._make_room():
            writer.close()  # RFC 7766 s6.2.2: a server may close when it must
            return
        connection = _Connection(reader, writer, self.tcp_idle_timeout)
        self._connections.add(connection)
        # Flow control: writer.drain() waits while more than MAX_UNSENT bytes are unsent.
        writer.transport.set_write_buffer_limits(high=self.MAX_UNSENT)
        src = writer.get_extra_info("peername")[:2]
        try:
            while True:
                wire = await connection.read_message()
                if wire is None or not self._accepting:
                    break
                reply = self._answer_before_parsing(wire, src, False)
                if reply is not None:
                    connection.send(reply)
                else:
                    # RFC 7766 s6.2.1.1: pipelined queries are answered as each is
                    # ready, possibly out of order; the ID tells the client which is which.
                    task = self._spawn(self._answer_stream(wire, src, connection))
                    if task is not None:
                        connection.answering.add(task)
                        task.add_done_callback(connection.answering.discard)
                if not await self._ready_for_more(connection):
                    connection.abort()  # what it never read goes with it
                    return
            if connection.answering:  # the client is done sending: finish what it asked
                await asyncio.wait(connection.answering, timeout=self.tcp_idle_timeout)
        finally:
            for task in connection.answering:
                task.cancel()
            await self._close(connection)
            self._connections.discard(connection)  # counted until the socket is gone

    async def _ready_for_more(self, connection: _Connection) -> bool:
        """Wait until this client may send another query: False if it never may.

        We read its next query once fewer than MAX_PIPELINED of its queries are
        being answered and it has taken its replies (all but MAX_UNSENT bytes).
        So a client that pipelines and never reads costs us those bounds, not a
        reply for every query it sent. False when it takes nothing for the idle
        timeout: it is not reading at all. (Our own answers being slow is not
        the client's fault: the processor's own time limits bound that wait.)
        """
        while len(connection.answering) >= self.MAX_PIPELINED:
            await asyncio.wait(connection.answering, return_when=asyncio.FIRST_COMPLETED)
        if connection.unsent() <= self.MAX_UNSENT:
            return True  # the usual case, and the fast one: nothing to wait for
        connection.flush()  # the socket takes what it can; drain() waits for the rest
        try:
            async with asyncio.timeout(self.tcp_idle_timeout):
                await connection.writer.drain()
            return True
        except (TimeoutError, ConnectionError):
            return False

    async def _close(self, connection: _Connection) -> None:
        """Close, letting the last replies go out; abort if the client takes none of them."""
        connection.close()
        try:
            async with asyncio.timeout(self.tcp_idle_timeout):
                await connection.writer.wait_closed()
        except TimeoutError:
            connection.abort()
        except ConnectionError:
            pass  # the client reset it: gone already

    def _make_room(self) -> bool:
        """All connections taken: close the one idle longest, if any is idle.

        RFC 7766 s6.2.3 lets a server close idle connections when it is short
        of them; one with a query in progress or replies unsent is never closed.
        """
        idle = [connection for connection in self._connections if connection.is_idle()]
        if not idle:
            return False
        longest_idle = min(idle, key=lambda connection: connection.last_heard)
        longest_idle.close()  # its reader sees the end, and it leaves the set
        return True

    async def _answer_stream(self, wire: bytes, src: Endpoint, connection: _Connection) -> None:
        reply = await respond(wire, self.processor, src=src, dst=self._address, udp=False)
        if reply is not None:
            connection.send(reply)
    # --8<-- [end:tcp]


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close a connection at once, dropping whatever is still queued for it."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.fileno() >= 0:
        # Linger on, for zero seconds: close() sends a reset and frees the
        # queue in the kernel too, instead of trying to deliver it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


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
                 answer: Callable[[bytes, tuple], bytes | None], reuse_port: bool = False,
                 batches: bool = False) -> None:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_DGRAM)[0]
        self._sock = socket.socket(family, kind, proto)
        try:
            if reuse_port:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            self._sock.setblocking(False)
            self._sock.bind(address)
        except OSError:
            self._sock.close()
            raise
        self._loop = loop
        self._answer = answer
        if batches and DatagramBatches.available():
            # Up to 64 packets per system call each way (udp_batches.py): the
            # same answers, a good part of the kernel's cost per packet saved.
            reader = functools.partial(DatagramBatches(self._sock).answer_waiting, answer)
        else:
            reader = self._readable
        loop.add_reader(self._sock.fileno(), reader)

    def _readable(self) -> None:
        recvfrom, answer = self._sock.recvfrom, self._answer
        for _ in range(self.BURST):
            try:
                wire, address = recvfrom(MAX_MESSAGE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                # An ICMP error for an earlier reply (the client went away).
                logger.debug("UDP error: %s", error)
                return
            reply = answer(wire, address)
            if reply is not None:
                self.sendto(reply, address)

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
