"""Hostile bytes against the real sockets of part 2 and part 4: answered sanely
or dropped, never a crash, and a good query still gets the right answer.

Part 4 is the interesting one: its cache answers hits from the raw bytes before
anything is parsed, so a bit-flipped copy of a cached query is exactly what its
fast path must survive. The sentinel and the valid query the strategies mutate
are both cached after the first round.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import struct
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import pytest
from dnstest.threads import serving_in_thread
from hypothesis import HealthCheck, example, given, settings
from wire_fuzz import NASTIES, hostile_packets, udp_exchange

from part2_server.authority import ZoneProcessor
from part2_server.protocol import respond
from part2_server.server import DnsServer
from part2_server.zones import load_zone
from part4_cache import CacheSettings, build_caching_resolver

ZONE = Path(__file__).resolve().parents[2] / "zones" / "example.test.zone"
ORIGIN = dns.name.from_text("example.test.")
# make test draws the same 300 cases every run, so a red run is reproducible;
# FUZZ_EXPLORE=5000 (say) draws that many new ones, to look for fresh trouble.
EXPLORE = int(os.environ.get("FUZZ_EXPLORE", "0"))
FUZZ = settings(max_examples=EXPLORE or 300, derandomize=not EXPLORE, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


class ErrorLog(logging.Handler):
    """Collects every record at ERROR or above, from any thread."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def errors():
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    yield handler.records
    logging.getLogger().removeHandler(handler)


def part4_server() -> DnsServer:
    """The whole resolver: the example zone local, the rest forwarded to a dead end."""
    # Port 9 (discard) on loopback: nothing answers there, so names outside
    # the zone get SERVFAIL after the (short) timeout; the tests ask local names.
    settings = CacheSettings(zones=[str(ZONE)], upstreams=["127.0.0.1:9"], timeout=0.2)
    return build_caching_resolver(settings).server()


SERVERS = {
    "part2": lambda: DnsServer(ZoneProcessor([load_zone(ZONE)])),
    "part4": part4_server,
}


@pytest.fixture(scope="module", params=SERVERS)
def server(request, errors):
    with serving_in_thread(SERVERS[request.param]()) as running:
        yield running


def sentinel() -> dns.message.Message:
    return dns.message.make_query("mail.example.test.", "A")


def parses(wire: bytes) -> bool:
    try:
        dns.message.from_wire(wire)
    except Exception:
        return False
    return True


def forwarded(wire: bytes) -> bool:
    """Would part 4 send this query upstream (outside the zone, or not class IN)?"""
    try:
        query = dns.message.from_wire(wire)
    except Exception:
        return False
    if len(query.question) != 1:
        return False
    question = query.question[0]
    return not question.name.is_subdomain(ORIGIN) or question.rdclass != dns.rdataclass.IN


def check_reply(wire: bytes, reply: bytes | None) -> None:
    """The rules for the reply to one hostile packet."""
    if len(wire) < 12 or wire[2] & 0x80:
        assert reply is None, "runts and responses are dropped"
        return
    if reply is None:
        return
    assert reply[:2] == wire[:2], "a reply carries the query's ID"
    flags = struct.unpack("!H", reply[2:4])[0]
    assert flags & 0x8000, "a reply has QR=1"
    rcode = flags & 0x000F
    if not forwarded(wire):  # those reach part 4's dead upstream: SERVFAIL is right
        assert rcode != dns.rcode.SERVFAIL, "SERVFAIL here means our code crashed"
    if not parses(wire):
        assert rcode == dns.rcode.FORMERR


def check_sentinel(reply: dns.message.Message) -> None:
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer[0][0].address == "192.0.2.25"


@FUZZ
@given(wire=hostile_packets)
@example(wire=NASTIES[0])
def test_udp_hostile_packets(server, errors, wire):
    reply, good = udp_exchange((server.host, server.port), wire, sentinel())
    check_reply(wire, reply)
    check_sentinel(good)
    assert not errors, [r.getMessage() for r in errors]


@pytest.mark.parametrize("wire", NASTIES)
def test_udp_regression_cases(server, errors, wire):
    reply, good = udp_exchange((server.host, server.port), wire, sentinel())
    check_reply(wire, reply)
    check_sentinel(good)
    assert not errors


def tcp_exchange(address, wire: bytes) -> tuple[bytes | None, dns.message.Message]:
    """A hostile message, then a good one, pipelined on one connection."""
    good = sentinel()
    with socket.create_connection(address, timeout=3) as sock:
        payload = [wire, good.to_wire()]
        sock.sendall(b"".join(struct.pack("!H", len(p)) + p for p in payload))
        hostile_reply = None
        for _ in range(2):
            length = struct.unpack("!H", _read(sock, 2))[0]
            message = _read(sock, length)
            try:
                parsed = dns.message.from_wire(message)
            except Exception:
                parsed = None
            if parsed is not None and good.is_response(parsed):
                return hostile_reply, parsed
            hostile_reply = message
    raise AssertionError("no reply to the good query")


def _read(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise AssertionError("connection closed early")
        data += chunk
    return data


@FUZZ
@given(wire=hostile_packets)
def test_tcp_hostile_messages(server, errors, wire):
    reply, good = tcp_exchange((server.host, server.port), wire)
    check_reply(wire, reply)
    check_sentinel(good)
    assert not errors, [r.getMessage() for r in errors]


def test_random_header_bits_do_not_grow_memory():
    """dnspython's flag enum remembers every value it parses; hostile queries with
    random bits must not be able to fill it (it once grew a soak run by MBs)."""
    async def answer(query, *, src, dst):
        return dns.message.make_response(query)

    async def flood(seed):
        rng = random.Random(seed)
        wire = bytearray(dns.message.make_query("a.example.", "A").to_wire())
        for _ in range(3000):
            wire[2:4] = (rng.getrandbits(16) & 0x7FFF).to_bytes(2, "big")  # QR=0: a query
            await respond(bytes(wire), answer, src=("127.0.0.1", 1), dst=("127.0.0.1", 2),
                          udp=True)

    asyncio.run(flood(1))  # every combination that can still matter is now known
    known = len(dns.flags.Flag._value2member_map_)
    asyncio.run(flood(2))  # so 3,000 more random queries add nothing
    assert len(dns.flags.Flag._value2member_map_) == known
