"""Clients that misuse TCP must not hurt the server or the other clients."""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.threads import serving_in_thread

from part2_server.authority import ZoneProcessor
from part2_server.server import DnsServer
from part2_server.zones import load_zone

ZONE = Path(__file__).resolve().parents[2] / "zones" / "example.test.zone"
IDLE = 0.5


@pytest.fixture
def server():
    processor = ZoneProcessor([load_zone(ZONE)])
    with serving_in_thread(DnsServer(processor, tcp_idle_timeout=IDLE,
                                     max_tcp_connections=4)) as running:
        yield running


def good_answer(server) -> None:
    query = dns.message.make_query("mail.example.test.", "A")
    for reply in (dns.query.udp(query, server.host, port=server.port, timeout=2),
                  dns.query.tcp(query, server.host, port=server.port, timeout=2)):
        assert reply.answer[0][0].address == "192.0.2.25"


def closed_by_server(sock: socket.socket, within: float) -> float:
    """Seconds until the server closes `sock` (fails if it stays open `within` seconds)."""
    start = time.monotonic()
    sock.settimeout(within)
    assert sock.recv(1) == b"", "the server sent data instead of closing"
    return time.monotonic() - start


@pytest.mark.parametrize("opening", [b"\x00", b"\xff\xff", b"\x00\x20" + b"\x12\x34\x01"],
                         ids=["half a length prefix", "65535 then nothing", "half a message"])
def test_a_stalled_connection_is_closed_after_the_idle_timeout(server, opening):
    with socket.create_connection((server.host, server.port)) as stalled:
        stalled.sendall(opening)
        good_answer(server)  # the stall does not hold anybody else up
        assert closed_by_server(stalled, within=IDLE * 6) >= IDLE * 0.8


def test_connections_beyond_the_cap_close_the_longest_idle_without_hurting_the_others(server):
    held = [socket.create_connection((server.host, server.port)) for _ in range(4)]
    try:
        time.sleep(0.1)
        with socket.create_connection((server.host, server.port)) as extra:
            assert answer_on(extra).answer[0][0].address == "192.0.2.25"
        closed_by_server(held[0], within=2)  # the longest idle made room (RFC 7766 s6.2.3)
        assert answer_on(held[1]).answer[0][0].address == "192.0.2.25"
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.1)
    good_answer(server)  # the slots came back


def answer_on(sock: socket.socket) -> dns.message.Message:
    wire = dns.message.make_query("mail.example.test.", "A").to_wire()
    sock.sendall(struct.pack("!H", len(wire)) + wire)
    sock.settimeout(2)
    length = struct.unpack("!H", sock.recv(2, socket.MSG_WAITALL))[0]
    return dns.message.from_wire(sock.recv(length, socket.MSG_WAITALL))


def test_100_pipelined_queries_on_one_connection_are_all_answered(server):
    names = ["mail", "nas", "printer", "ns1", "ns2", "nope"]
    queries = [dns.message.make_query(f"{names[i % len(names)]}.example.test.", "A")
               for i in range(100)]
    for number, query in enumerate(queries):
        query.id = number  # random IDs could collide; the client must keep them apart
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"".join(struct.pack("!H", len(w)) + w
                              for w in (q.to_wire() for q in queries)))
        stream = sock.makefile("rb")
        replies = {}
        for _ in queries:
            length = struct.unpack("!H", stream.read(2))[0]
            reply = dns.message.from_wire(stream.read(length))
            replies[reply.id] = reply
    for query in queries:
        reply = replies[query.id]
        assert query.is_response(reply)
        expected = dns.rcode.NXDOMAIN if query.question[0].name.labels[0] == b"nope" \
            else dns.rcode.NOERROR
        assert reply.rcode() == expected
