"""An upstream (or somebody on its path) that means harm, and a client that uses
the resolver's own limits against it. Each test here failed before its fix."""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time

import dns.flags
import dns.message
import dns.rcode
import pytest
from dnstest.fake_server import FakeDnsServer, parse_rrs

from part1_client import exchange
from part2_server import Busy
from part3_forwarder import Forwarder, Upstream, compose
from part4_cache import Cache, cached

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


async def ask(processor, name, rdtype="A", src=SRC):
    return await processor(dns.message.make_query(name, rdtype), src=src, dst=DST)


def texts(section) -> list[str]:
    return sorted(rrset.to_text() for rrset in section)


# -- 3. our own "busy" is never cached ---------------------------------------------


async def test_a_servfail_from_our_own_limit_is_not_cached(fake_upstream):
    fake_upstream.answer("slow.example.", "A", "slow.example. 300 IN A 127.0.0.14", delay=0.3)
    fake_upstream.answer("victim.example.", "A", "victim.example. 300 IN A 127.0.0.15")
    forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port)], max_in_flight=1)
    resolver = cached(compose(forwarder), Cache())
    slow = asyncio.create_task(ask(resolver, "slow.example."))
    while not fake_upstream.queries_for("slow.example."):
        await asyncio.sleep(0.01)
    busy = await ask(resolver, "victim.example.")  # the forwarder is full: SERVFAIL
    assert busy.rcode() == dns.rcode.SERVFAIL
    await slow
    later = await ask(resolver, "victim.example.")  # before the fix: SERVFAIL from the cache
    assert later.rcode() == dns.rcode.NOERROR
    assert texts(later.answer) == ["victim.example. 300 IN A 127.0.0.15"]


async def test_beyond_its_limit_the_forwarder_says_busy_not_servfail(fake_upstream):
    fake_upstream.answer("slow.example.", "A", "slow.example. 300 IN A 127.0.0.14", delay=0.3)
    forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port)], max_in_flight=1)
    slow = asyncio.create_task(ask(forwarder, "slow.example."))
    while not fake_upstream.queries_for("slow.example."):
        await asyncio.sleep(0.01)
    with pytest.raises(Busy):
        await ask(forwarder, "other.example.")
    await slow


# -- 4. per-client and per-name limits ------------------------------------------------


async def test_one_client_cannot_take_every_upstream_slot(fake_upstream):
    fake_upstream.answer(None, "A", "any.example. 300 IN A 127.0.0.14", delay=0.3)
    fake_upstream.answer("fine.example.", "A", "fine.example. 300 IN A 127.0.0.16")
    forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port)],
                          max_in_flight=10, max_per_client=4)
    greedy = ("127.0.0.66", 5353)
    waiting = [asyncio.create_task(ask(forwarder, f"n{i}.example.", src=greedy))
               for i in range(4)]
    await asyncio.sleep(0.05)
    with pytest.raises(Busy):  # its fifth
        await ask(forwarder, "n5.example.", src=greedy)
    reply = await ask(forwarder, "fine.example.")  # somebody else's first
    assert texts(reply.answer) == ["fine.example. 300 IN A 127.0.0.16"]
    await asyncio.gather(*waiting)


async def test_copies_of_one_name_wait_in_bounded_numbers(fake_upstream):
    fake_upstream.answer("slow.example.", "A", "slow.example. 300 IN A 127.0.0.14", delay=0.3)
    forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port)])
    resolver = cached(compose(forwarder), Cache(), max_waiting_per_name=5)
    copies = [asyncio.create_task(ask(resolver, "slow.example.", src=(f"127.0.0.{i}", 53)))
              for i in range(1, 21)]
    replies = await asyncio.gather(*copies, return_exceptions=True)
    answered = [r for r in replies if isinstance(r, dns.message.Message)
                and r.rcode() == dns.rcode.NOERROR]
    busy = [r for r in replies if isinstance(r, Busy)]
    assert len(answered) == 1 + 5  # the one that asked, and five that waited for it
    assert len(busy) == 14
    assert len(fake_upstream.queries_for("slow.example.")) == 1


# -- 7. garbage from the upstream side is checked as bytes ------------------------------


class NoisyUpstream:
    """An upstream on a plain socket that, before each real reply, sends `noise`
    packets from its own address: wrong IDs, random header bits."""

    def __init__(self, noise: int) -> None:
        self.noise = noise
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.rng = random.Random(7)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                wire, client = self.sock.recvfrom(65535)
            except OSError:
                return
            query = dns.message.from_wire(wire)
            reply = dns.message.make_response(query)
            reply.answer = parse_rrs([f"{query.question[0].name} 300 IN A 127.0.0.20"])
            good = reply.to_wire()
            for number in range(self.noise):
                if number % 50 == 0:
                    time.sleep(0.002)  # paced, so the client's socket buffer does not overflow
                noise = bytearray(good)
                noise[0:2] = ((query.id + 1 + self.rng.getrandbits(15)) & 0xFFFF).to_bytes(2, "big")
                noise[2:4] = (0x8000 | self.rng.getrandbits(15)).to_bytes(2, "big")
                self.sock.sendto(noise, client)
            self.sock.sendto(good, client)

    def close(self) -> None:
        self.sock.close()


def test_upstream_noise_is_dropped_before_parsing():
    """Before the fix every packet was parsed first, so random header bits grew
    dnspython's flag enum cache by one entry per new combination."""
    upstream = NoisyUpstream(noise=2000)
    query = dns.message.make_query("noise.example.", "A")
    try:
        asyncio.run(exchange(query, "127.0.0.1", upstream.port, timeout=5, tries=1))
        known = len(dns.flags.Flag._value2member_map_)
        reply = asyncio.run(exchange(query, "127.0.0.1", upstream.port, timeout=5, tries=1))
    finally:
        upstream.close()
    assert texts(reply.answer) == ["noise.example. 300 IN A 127.0.0.20"]
    assert len(dns.flags.Flag._value2member_map_) == known


# -- 8. timeouts that adapt --------------------------------------------------------------


async def test_an_upstream_slower_than_one_second_is_still_answered(fake_upstream):
    """The budget is 4 s; an upstream that always takes 1.1 s must fit in it."""
    fake_upstream.answer("slow.example.", "A", "slow.example. 300 IN A 127.0.0.21", delay=1.1)
    forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port)])
    reply = await ask(forwarder, "slow.example.")
    assert reply.rcode() == dns.rcode.NOERROR  # before the fix: SERVFAIL after 4 s
    assert texts(reply.answer) == ["slow.example. 300 IN A 127.0.0.21"]


async def test_a_fast_upstream_gets_a_short_attempt_timeout(fake_upstream):
    fake_upstream.answer("fast.example.", "A", "fast.example. 300 IN A 127.0.0.22")
    upstream = Upstream(fake_upstream.host, fake_upstream.port)
    forwarder = Forwarder([upstream])
    first = forwarder.health.attempt_timeout(upstream)
    for _ in range(5):
        await ask(forwarder, "fast.example.")
    assert forwarder.health.attempt_timeout(upstream) < first
    assert forwarder.health.attempt_timeout(upstream) >= forwarder.health.min_attempt


# -- 9. records the question did not ask for -----------------------------------------------


async def test_unrelated_records_are_scrubbed_the_cname_chain_and_its_support_kept(
        fake_upstream):
    fake_upstream.answer(
        "www.a.example.", "A",
        "www.a.example. 300 IN CNAME web.a.example.",
        "web.a.example. 300 IN CNAME cdn.b.example.",
        "cdn.b.example. 300 IN A 127.0.0.30",
        "victim.other. 300 IN A 127.6.6.6",  # not on the chain
        "web.a.example. 300 IN A 127.6.6.7",  # on the chain, but not after a CNAME
        authority=["b.example. 300 IN NS ns.b.example.",
                   "other. 300 IN NS ns.evil.",  # an NS override for another zone
                   "victim.other. 300 IN A 127.6.6.8"],
        additional=["ns.b.example. 300 IN A 127.0.0.31",
                    "ns.evil. 300 IN A 127.6.6.9",
                    "bank.other. 300 IN A 127.6.6.10"])
    forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port)])
    reply = await ask(forwarder, "www.a.example.")
    assert texts(reply.answer) == [
        "cdn.b.example. 300 IN A 127.0.0.30",
        "web.a.example. 300 IN CNAME cdn.b.example.",
        "www.a.example. 300 IN CNAME web.a.example.",
    ]
    assert texts(reply.authority) == ["b.example. 300 IN NS ns.b.example."]
    assert texts(reply.additional) == ["ns.b.example. 300 IN A 127.0.0.31"]


async def test_a_negative_answer_keeps_its_soa_and_loses_a_foreign_one(fake_upstream):
    fake_upstream.nxdomain("nope.a.example.", soa=[
        "a.example. 300 IN SOA ns.a.example. host.a.example. 1 3600 600 86400 300",
        "other. 300 IN SOA ns.evil. host.evil. 1 3600 600 86400 300"])
    forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port)])
    reply = await ask(forwarder, "nope.a.example.")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert texts(reply.authority) == [
        "a.example. 300 IN SOA ns.a.example. host.a.example. 1 3600 600 86400 300"]


async def test_a_dname_answer_keeps_the_dname_and_its_cname(fake_upstream):
    fake_upstream.answer(
        "www.old.example.", "A",
        "old.example. 300 IN DNAME new.example.",
        "www.old.example. 300 IN CNAME www.new.example.",
        "www.new.example. 300 IN A 127.0.0.32")
    forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port)])
    reply = await ask(forwarder, "www.old.example.")
    assert len(reply.answer) == 3


# -- issue 10: an upstream's REFUSED is about the name, not about the upstream -----------


async def test_a_client_asking_refused_names_cannot_push_us_off_a_healthy_upstream(
        fake_upstream):
    async with FakeDnsServer() as second:
        fake_upstream.answer("good.example.", "A", "good.example. 300 IN A 127.0.0.40")
        second.answer(None, "A", "any.example. 300 IN A 127.0.0.41")
        # fake_upstream refuses every other name (its default rcode)
        forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port),
                               Upstream(second.host, second.port)], max_failures=3)
        for number in range(10):  # names the first upstream refuses
            await ask(forwarder, f"refused{number}.example.")
        reply = await ask(forwarder, "good.example.")
        assert texts(reply.answer) == ["good.example. 300 IN A 127.0.0.40"]
        assert len(fake_upstream.queries_for("good.example.")) == 1  # still asked first
        assert not second.queries_for("good.example.")
        assert not forwarder.health.is_resting(forwarder.upstreams[0])


async def test_a_refused_name_is_still_asked_of_the_next_upstream(fake_upstream):
    async with FakeDnsServer() as second:
        second.answer("split.example.", "A", "split.example. 300 IN A 127.0.0.42")
        forwarder = Forwarder([Upstream(fake_upstream.host, fake_upstream.port),
                               Upstream(second.host, second.port)])
        reply = await ask(forwarder, "split.example.")
        assert texts(reply.answer) == ["split.example. 300 IN A 127.0.0.42"]
