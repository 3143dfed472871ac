"""The opt-in per-client rate limit: REFUSED beyond the rate, others unaffected."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.clock import FakeClock
from dnstest.peers import free_port
from dnstest.threads import serving_in_thread

from part2_server.ratelimit import ClientRateLimit
from part2_server.server import DnsServer


def test_a_burst_then_refusals_then_the_bucket_refills():
    clock = FakeClock()
    limit = ClientRateLimit(rate=5, burst=10, clock=clock)
    assert [limit.allow("192.0.2.7") for _ in range(12)] == [True] * 10 + [False] * 2
    clock.now += 0.2  # one more token (5 a second)
    assert limit.allow("192.0.2.7")
    assert not limit.allow("192.0.2.7")
    clock.now += 60  # a long pause refills to the burst, not beyond it
    assert sum(limit.allow("192.0.2.7") for _ in range(20)) == 10


def test_each_client_has_its_own_bucket():
    limit = ClientRateLimit(rate=1, burst=1, clock=FakeClock())
    assert limit.allow("192.0.2.1")
    assert not limit.allow("192.0.2.1")
    assert limit.allow("192.0.2.2")


def test_memory_is_bounded_by_forgetting_the_least_recent_client():
    limit = ClientRateLimit(rate=1, burst=1, max_clients=3, clock=FakeClock())
    for host in ("a", "b", "c", "d"):
        limit.allow(host)
    assert len(limit._buckets) == 3
    assert limit.allow("a")  # forgotten, so it starts with a full bucket again
    assert not limit.allow("d")


def test_the_rate_must_be_positive():
    with pytest.raises(ValueError):
        ClientRateLimit(rate=0)


async def answer_everything(query, *, src, dst):
    return dns.message.make_response(query)


def rcodes_for(host: str, server, count: int) -> list[int]:
    """Send `count` queries from source address `host`; the rcodes that came back."""
    rcodes = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        sock.settimeout(2)
        for _ in range(count):
            query = dns.message.make_query("flood.example.", "A")
            sock.sendto(query.to_wire(), (server.host, server.port))
            reply = dns.message.from_wire(sock.recv(512))
            assert reply.id == query.id
            rcodes.append(reply.rcode())
    return rcodes


def test_a_flooding_client_is_refused_and_another_is_not():
    limit = ClientRateLimit(rate=0.001, burst=5)  # no refill within the test
    with serving_in_thread(DnsServer(answer_everything, rate_limit=limit)) as server:
        assert rcodes_for("127.0.0.1", server, 8) == [dns.rcode.NOERROR] * 5 + \
            [dns.rcode.REFUSED] * 3
        assert rcodes_for("127.0.0.2", server, 2) == [dns.rcode.NOERROR] * 2


def test_refusals_also_apply_before_a_fast_path():
    limit = ClientRateLimit(rate=0.001, burst=1)
    canned = []

    def fast_path(wire, src, udp):
        reply = dns.message.make_response(dns.message.from_wire(wire))
        canned.append(reply)
        return reply.to_wire()

    with serving_in_thread(DnsServer(answer_everything, fast_path=fast_path,
                                     rate_limit=limit)) as server:
        assert rcodes_for("127.0.0.1", server, 3) == [dns.rcode.NOERROR] + \
            [dns.rcode.REFUSED] * 2
    assert len(canned) == 1


def test_the_flag_turns_it_on():
    repo = Path(__file__).resolve().parents[2]
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "part2_server", "--zone", str(repo / "zones/example.test.zone"),
         "--port", str(port), "--rate-limit", "0.001"],
        cwd=repo, stderr=subprocess.PIPE, text=True,
    )
    try:
        query = dns.message.make_query("example.test.", "SOA")
        deadline = time.monotonic() + 10
        while True:  # the first answer uses the one token this client has
            try:
                reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=0.2)
                break
            except dns.exception.Timeout:
                assert time.monotonic() < deadline
        assert reply.rcode() == dns.rcode.NOERROR
        again = dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
        assert again.rcode() == dns.rcode.REFUSED
        other = dns.query.udp(query, "127.0.0.1", port=port, timeout=2, source="127.0.0.3")
        assert other.rcode() == dns.rcode.NOERROR
    finally:
        process.terminate()
        process.communicate(timeout=10)
