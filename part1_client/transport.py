"""Send a query and wait for *its* reply: UDP first, TCP when the reply is truncated.

dnspython encodes and parses, and moves the TCP bytes (`dns.asyncquery`); UDP
replies we receive ourselves, to check their bytes before parsing them. This
module decides the policy:
how long to wait, how often to try, when to switch to TCP, and which replies
to believe.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import socket

import dns.exception
import dns.flags
import dns.message

from .errors import ResolveTimeout, TransportError
from .sizes import HEADER_SIZE

log = logging.getLogger(__name__)

QR_BIT = 0x80  # in byte 2 of the header: set in responses
# RFC 5452 s9.2: the source port should be random over as much of the port
# range as possible. Linux's own choice spans 32768-60999 only (a fifth of the
# 16 bits a forger must guess); we draw from 1024-65535, as unbound does.
LOWEST_SOURCE_PORT = 1024
SOURCE_PORT_TRIES = 10


@dataclasses.dataclass(frozen=True)
class ExchangeResult:
    """A reply and how it was obtained (what dig prints below the sections)."""

    query: dns.message.Message
    reply: dns.message.Message
    server: str
    port: int
    transport: str  # "UDP" or "TCP"
    elapsed: float  # seconds, from the first packet sent to the reply
    truncated: dns.message.Message | None = None  # the TC=1 UDP reply, if any


# --8<-- [start:random_port]
def socket_on_a_random_port(server: str, port: int) -> socket.socket:
    """A UDP socket from a random source port, connected to `server`:`port`.

    Connected, the kernel drops datagrams from any other address for us.
    """
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        for _ in range(SOURCE_PORT_TRIES):
            try:
                sock.bind(("", LOWEST_SOURCE_PORT + secrets.randbelow(65536 - LOWEST_SOURCE_PORT)))
                break
            except OSError:  # taken: draw again
                continue
        else:
            sock.bind(("", 0))  # the range is crowded: the kernel's choice, then
        sock.setblocking(False)
        sock.connect((server, port))
    except OSError:
        sock.close()
        raise
    return sock
# --8<-- [end:random_port]


# --8<-- [start:udp]
async def _udp(query: dns.message.Message, server: str, port: int,
               timeout: float) -> dns.message.Message:
    loop = asyncio.get_running_loop()
    try:
        sock = socket_on_a_random_port(server, port)
        transport, catcher = await loop.create_datagram_endpoint(
            lambda: _ReplyCatcher(query), sock=sock)
    except OSError as error:  # e.g. no route to the server
        raise TransportError(f"UDP to {server} port {port} failed: {error}") from None
    try:
        transport.sendto(query.to_wire())
        async with asyncio.timeout(timeout):
            return await catcher.reply
    finally:
        transport.close()


class _ReplyCatcher(asyncio.DatagramProtocol):
    """Waits for the datagram that is the reply to `query`; ignores all others.

    An off-path attacker guessing IDs (RFC 5452) may send thousands of
    datagrams. Each is checked as bytes first, its ID and its QR bit, and
    only one that passes is parsed: parsing them all costs far more, and their
    random header bits would grow dnspython's flag cache (the Hardening page
    tells that story). A reply must then also be for our question.
    """

    def __init__(self, query: dns.message.Message) -> None:
        self.query = query
        self.expected_id = query.id.to_bytes(2, "big")
        self.reply: asyncio.Future[dns.message.Message] = (
            asyncio.get_running_loop().create_future())

    def datagram_received(self, data: bytes, address: tuple) -> None:
        if self.reply.done() or len(data) < HEADER_SIZE:
            return
        if data[:2] != self.expected_id or not data[2] & QR_BIT:
            return  # not our ID, or not a response: dropped unparsed
        try:
            reply = dns.message.from_wire(data)
        except Exception:  # dnspython raises many kinds on hostile bytes
            return
        if self.query.is_response(reply):  # the same ID and the same question
            self.reply.set_result(reply)

    def error_received(self, error: Exception) -> None:
        # An ICMP error for our query (port unreachable...): wait on, as for silence.
        log.debug("UDP error while waiting for a reply: %s", error)
# --8<-- [end:udp]


async def _tcp(query: dns.message.Message, server: str, port: int,
               timeout: float) -> dns.message.Message:
    # Imported here, at the first truncated reply: dnspython's query modules
    # bring its DNS over HTTPS client along (when installed), megabytes that a
    # resolver asking over UDP never needs.
    import dns.asyncquery
    import dns.query

    try:
        return await dns.asyncquery.tcp(query, server, port=port, timeout=timeout)
    except (OSError, EOFError, dns.query.BadResponse, dns.exception.FormError) as error:
        # On TCP nobody can slip a packet in, so a wrong reply means a broken
        # server, not an attacker: report it instead of waiting for another.
        raise TransportError(
            f"TCP to {server} port {port} failed: {error or type(error).__name__}") from None


# --8<-- [start:exchange]
async def exchange_detailed(query: dns.message.Message, server: str, port: int = 53, *,
                            timeout: float = 2.0, tries: int = 2,
                            tcp: bool = False) -> ExchangeResult:
    """Like :func:`exchange`, also telling which transport answered and how fast."""
    if tries < 1 or timeout <= 0:
        raise ValueError("need tries >= 1 and timeout > 0")
    loop = asyncio.get_running_loop()
    start = loop.time()
    last_error: TransportError | None = None
    for attempt in range(1, tries + 1):
        # Each try gets `timeout` seconds in all, TCP fallback included, so the
        # whole exchange is over after timeout * tries seconds at the latest.
        try_deadline = loop.time() + timeout
        try:
            async with asyncio.timeout_at(try_deadline):
                if tcp:
                    reply = await _tcp(query, server, port, timeout)
                    return ExchangeResult(query, reply, server, port, "TCP", loop.time() - start)
                reply = await _udp(query, server, port, timeout)
                if not reply.flags & dns.flags.TC:
                    return ExchangeResult(query, reply, server, port, "UDP", loop.time() - start)
                # RFC 2181 s9: ignore a reply with TC=1 and ask again over TCP.
                log.info("truncated reply from %s port %d, retrying over TCP", server, port)
                full = await _tcp(query, server, port, try_deadline - loop.time())
                return ExchangeResult(query, full, server, port, "TCP", loop.time() - start,
                                      truncated=reply)
        except (TimeoutError, dns.exception.Timeout):
            log.info("no reply from %s port %d (try %d of %d)", server, port, attempt, tries)
            last_error = None
        except TransportError as error:
            log.info("%s (try %d of %d)", error, attempt, tries)
            last_error = error
    if last_error is not None:
        raise last_error
    raise ResolveTimeout(f"no reply from {server} port {port} "
                         f"after {tries} {'try' if tries == 1 else 'tries'} of {timeout:g}s")
# --8<-- [end:exchange]


async def exchange(query: dns.message.Message, server: str, port: int = 53, *,
                   timeout: float = 2.0, tries: int = 2, tcp: bool = False) -> dns.message.Message:
    """Send `query` to server:port and return the reply that matches it.

    UDP first (or TCP only, with `tcp=True`); a reply with TC=1 sends the same
    query again over TCP. Replies from another address, with another ID or
    another question, and packets that do not parse are ignored. Raises
    ResolveTimeout when `tries` tries of `timeout` seconds each get no reply,
    TransportError when TCP fails on the last try.
    """
    result = await exchange_detailed(query, server, port, timeout=timeout, tries=tries, tcp=tcp)
    return result.reply

