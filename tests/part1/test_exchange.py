"""exchange() against the scripted fake server: TCP fallback, timeouts, forged replies."""

import asyncio
import time

import dns.flags
import dns.message
import dns.rcode
import pytest
from dnstest.fake_server import FakeDnsServer

from part1_client import (
    DnsClientError,
    ResolveTimeout,
    TransportError,
    exchange,
    exchange_detailed,
    make_query,
)

WWW = "www.example. 300 IN A 127.0.0.5"


def answers(reply):
    return [rdata.to_text() for rrset in reply.answer for rdata in rrset]


async def test_udp_answer(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW)
    query = make_query("www.example.")
    result = await exchange_detailed(query, *fake_upstream.address)
    assert answers(result.reply) == ["127.0.0.5"]
    assert result.reply.id == query.id
    assert result.transport == "UDP"
    assert result.truncated is None
    assert [q.transport for q in fake_upstream.queries] == ["udp"]
    assert fake_upstream.queries[0].wire == query.to_wire()


async def test_truncated_reply_is_asked_again_over_tcp(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW, truncate=True)
    query = make_query("www.example.")
    result = await exchange_detailed(query, *fake_upstream.address)
    assert result.transport == "TCP"
    assert result.truncated.flags & dns.flags.TC
    assert not result.reply.flags & dns.flags.TC
    assert answers(result.reply) == ["127.0.0.5"]
    udp, tcp = fake_upstream.queries
    assert (udp.transport, tcp.transport) == ("udp", "tcp")
    assert udp.wire == tcp.wire  # the same query, same ID


async def test_tcp_only(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW)
    reply = await exchange(make_query("www.example."), *fake_upstream.address, tcp=True)
    assert answers(reply) == ["127.0.0.5"]
    assert [q.transport for q in fake_upstream.queries] == ["tcp"]


async def test_timeout_is_bounded_catchable_and_tries_each_time(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW, drop=True)
    start = time.monotonic()
    with pytest.raises(ResolveTimeout, match=r"no reply from 127\.0\.0\.1 port \d+ after 3 tries"):
        await exchange(make_query("www.example."), *fake_upstream.address, timeout=0.1, tries=3)
    # Bounded: timeout * tries, plus generous slack for a loaded machine.
    assert time.monotonic() - start < 0.3 + 1.0
    assert len(fake_upstream.queries) == 3
    assert issubclass(ResolveTimeout, DnsClientError)
    assert issubclass(ResolveTimeout, TimeoutError)


async def test_a_lost_packet_is_retried(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW, drop=1)
    reply = await exchange(make_query("www.example."), *fake_upstream.address,
                           timeout=0.2, tries=2)
    assert answers(reply) == ["127.0.0.5"]
    assert len(fake_upstream.queries) == 2


async def test_a_late_reply_counts_only_within_its_try(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW, delay=1.0)
    with pytest.raises(ResolveTimeout):
        await exchange(make_query("www.example."), *fake_upstream.address,
                       timeout=0.1, tries=1)


@pytest.mark.parametrize("kind", ["id", "question", "source", "garbage"])
async def test_forged_reply_is_ignored_and_the_real_one_accepted(fake_upstream, kind):
    fake_upstream.answer("www.example.", "A", WWW, spoof=kind)
    reply = await exchange(make_query("www.example."), *fake_upstream.address)
    assert answers(reply) == ["127.0.0.5"]


async def test_only_forgeries_means_timeout_not_poison(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW, drop=True,
                         spoof=("id", "question", "source", "garbage"))
    with pytest.raises(ResolveTimeout):
        await exchange(make_query("www.example."), *fake_upstream.address,
                       timeout=0.2, tries=1)


async def test_error_rcodes_are_answers(fake_upstream):
    fake_upstream.nxdomain("nope.example.")
    fake_upstream.rcode("fail.example.", "A", "SERVFAIL")
    nx = await exchange(make_query("nope.example."), *fake_upstream.address)
    fail = await exchange(make_query("fail.example."), *fake_upstream.address)
    assert nx.rcode() == dns.rcode.NXDOMAIN
    assert fail.rcode() == dns.rcode.SERVFAIL


async def test_tcp_refused_after_truncation_is_a_transport_error():
    async with FakeDnsServer(tcp="refuse") as fake:
        fake.answer("www.example.", "A", WWW, truncate=True)
        with pytest.raises(TransportError, match=r"TCP to 127\.0\.0\.1"):
            await exchange(make_query("www.example."), *fake.address, timeout=1, tries=2)
        assert [q.transport for q in fake.queries] == ["udp", "udp"]


async def test_tcp_hang_up_is_a_transport_error(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW, tcp_close=True)
    with pytest.raises(TransportError):
        await exchange(make_query("www.example."), *fake_upstream.address, tcp=True, tries=1)


async def test_a_wrong_reply_over_tcp_is_a_transport_error(fake_upstream):
    def other_question(query):
        reply = dns.message.make_response(dns.message.make_query("other.example.", "A"))
        reply.id = query.id
        return reply

    fake_upstream.script("www.example.", "A", handler=other_question)
    with pytest.raises(TransportError):
        await exchange(make_query("www.example."), *fake_upstream.address, tcp=True, tries=1)


async def test_tcp_tries_again_on_a_new_connection(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW, drop=1)
    reply = await exchange(make_query("www.example."), *fake_upstream.address, tcp=True,
                           timeout=0.2, tries=2)
    assert answers(reply) == ["127.0.0.5"]
    assert [q.transport for q in fake_upstream.queries] == ["tcp", "tcp"]


@pytest.mark.parametrize(("timeout", "tries"), [(0, 1), (1, 0), (-1, 2)])
async def test_nonsense_limits_are_rejected(timeout, tries):
    with pytest.raises(ValueError):
        await exchange(make_query("example."), "127.0.0.1", 53, timeout=timeout, tries=tries)


async def test_a_udp_socket_error_is_a_transport_error(monkeypatch):
    async def unreachable(*args, **kwargs):
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(asyncio.get_running_loop(), "create_datagram_endpoint", unreachable)
    with pytest.raises(TransportError, match=r"UDP to 127\.0\.0\.1 port 53 failed"):
        await exchange(make_query("example."), "127.0.0.1", 53, tries=2)


async def test_source_ports_are_drawn_from_the_whole_range(fake_upstream):
    # RFC 5452 s9.2: Linux alone picks from 32768-60999; we draw from 1024-65535.
    # Over 40 queries more than half land outside the kernel's range: that
    # none does by chance has a probability of about 1e-14.
    fake_upstream.answer("www.example.", "A", WWW)
    for _ in range(40):
        await exchange(make_query("www.example."), *fake_upstream.address)
    ports = [q.src[1] for q in fake_upstream.queries]
    assert all(1024 <= port <= 65535 for port in ports)
    assert sum(not 32768 <= port <= 60999 for port in ports) >= 5, ports
    assert len(set(ports)) >= 38
