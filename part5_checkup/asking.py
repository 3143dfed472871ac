"""Asking the resolver under test: one query, and what came back (or did not).

The report card needs more control than part 1's client gives, on purpose:
UDP without a fall-back to TCP (a truncated reply *is* the evidence), TCP on
its own, and the exact bytes of each reply, so that a check can show what it
saw. Silence is an answer too: a check that expects a gateway to drop a query
records "timed out", it does not raise.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import socket
import string
import time

import dns.exception
import dns.message
import dns.name
import dns.rdatatype

from part1_client.sizes import MAX_MESSAGE
from part2_server import Endpoint

TCP_LENGTH_PREFIX = 2
NAME_LETTERS = string.ascii_lowercase + string.digits


@dataclasses.dataclass
class Exchange:
    """One query sent to one address, and its reply, or why there was none."""

    query: dns.message.Message
    server: Endpoint
    transport: str  # "udp" or "tcp"
    wire: bytes | None = None  # the reply's bytes, exactly as received
    reply: dns.message.Message | None = None
    error: str | None = None  # "timed out", "connection refused", ...
    elapsed: float = 0.0  # seconds

    @property
    def answered(self) -> bool:
        return self.reply is not None

    def rrsets(self, rdtype: int | str) -> list:
        """The answer section's RRsets of `rdtype`."""
        wanted = dns.rdatatype.RdataType.make(rdtype)
        return [] if self.reply is None else [r for r in self.reply.answer if r.rdtype == wanted]


def random_label(length: int = 16) -> str:
    """A label nobody has registered: 16 letters and digits, 82 bits of chance."""
    return "".join(secrets.choice(NAME_LETTERS) for _ in range(length))


def mixed_case(name: str) -> str:
    """`name` with each letter's case chosen at random, as a 0x20 resolver does."""
    return "".join(c.upper() if secrets.randbits(1) else c.lower() for c in name)


def make_query(name: str | dns.name.Name, rdtype: int | str = "A", *, edns: bool = False,
               dnssec: bool = False, payload: int = 1232) -> dns.message.Message:
    """A recursive query; without EDNS unless asked, since EDNS is itself under test."""
    return dns.message.make_query(name, rdtype, use_edns=0 if (edns or dnssec) else False,
                                  want_dnssec=dnssec, payload=payload)


# --8<-- [start:udp]
async def ask_udp(query: dns.message.Message, server: Endpoint, timeout: float) -> Exchange:
    """Send `query` once over UDP; wait for a reply with its ID, and nothing more."""
    exchange = Exchange(query, server, "udp")
    wire = query.to_wire()
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
    start = time.monotonic()
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        # A connected socket hears only from server:port, and learns at once
        # (ICMP port unreachable) when nothing listens there.
        sock.connect(server)
        try:
            await loop.sock_sendall(sock, wire)
            async with asyncio.timeout(timeout):
                while True:
                    data = await loop.sock_recv(sock, MAX_MESSAGE)
                    if data[:2] == wire[:2]:  # another ID is not our reply
                        break
        except TimeoutError:
            return _failed(exchange, "timed out", start)
        except ConnectionRefusedError:
            return _failed(exchange, "connection refused", start)
        except OSError as error:
            return _failed(exchange, error.strerror or str(error), start)
    return _parsed(exchange, data, start)
# --8<-- [end:udp]


async def ask_tcp(query: dns.message.Message, server: Endpoint, timeout: float) -> Exchange:
    """Send `query` over a fresh TCP connection (RFC 7766: two bytes of length first)."""
    exchange = Exchange(query, server, "tcp")
    wire = query.to_wire()
    start = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(*server)
            writer.write(len(wire).to_bytes(TCP_LENGTH_PREFIX, "big") + wire)
            await writer.drain()
            length = int.from_bytes(await reader.readexactly(TCP_LENGTH_PREFIX), "big")
            data = await reader.readexactly(length)
    except TimeoutError:
        return _failed(exchange, "timed out", start)
    except ConnectionRefusedError:
        return _failed(exchange, "connection refused", start)
    except asyncio.IncompleteReadError:
        return _failed(exchange, "connection closed without an answer", start)
    except OSError as error:
        return _failed(exchange, error.strerror or str(error), start)
    finally:
        if writer is not None:
            writer.close()
    return _parsed(exchange, data, start)


def _failed(exchange: Exchange, why: str, start: float) -> Exchange:
    exchange.error = why
    exchange.elapsed = time.monotonic() - start
    return exchange


def _parsed(exchange: Exchange, data: bytes, start: float) -> Exchange:
    exchange.elapsed = time.monotonic() - start
    exchange.wire = data
    try:
        exchange.reply = dns.message.from_wire(data)
    except (dns.exception.DNSException, ValueError) as error:
        exchange.error = f"a reply that does not parse ({type(error).__name__})"
    return exchange
