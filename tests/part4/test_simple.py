"""The simple cache of docs/part4.md (part4_cache/simple.py): replies kept for
their TTL, counted down, then asked again."""

from __future__ import annotations

import dns.message
import dns.rcode

from part4_cache.simple import SimpleCache

from .helpers import DST, SRC


async def ask(cache: SimpleCache, name: str, rdtype: str = "A") -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    reply = await cache(query, src=SRC, dst=DST)
    assert reply is not None and reply.id == query.id
    return reply


def ttls(reply: dns.message.Message) -> list[int]:
    return [rrset.ttl for rrset in reply.answer]


async def test_a_hit_counts_the_ttls_down(upstream, clock):
    upstream.answer("www.example.", "A", "www.example. 300 IN CNAME web.example.",
                    "web.example. 60 IN A 192.0.2.1")
    cache = SimpleCache(upstream, clock)
    assert ttls(await ask(cache, "www.example.")) == [300, 60]
    clock.advance(25.5)
    assert ttls(await ask(cache, "WWW.Example.")) == [275, 35]   # whole seconds, any case
    assert upstream.asked("www.example.") == 1


async def test_the_entry_dies_with_its_shortest_ttl(upstream, clock):
    upstream.answer("www.example.", "A", "www.example. 300 IN CNAME web.example.",
                    "web.example. 60 IN A 192.0.2.1")
    cache = SimpleCache(upstream, clock)
    await ask(cache, "www.example.")
    clock.advance(60)
    assert ttls(await ask(cache, "www.example.")) == [300, 60]
    assert upstream.asked("www.example.") == 2


async def test_only_positive_answers_with_a_ttl_are_kept(upstream, clock):
    upstream.answer("gone.example.", "A", rcode=dns.rcode.NXDOMAIN,
                    authority=["example. 300 IN SOA ns. host. 1 2 3 4 300"])
    upstream.answer("now.example.", "A", "now.example. 0 IN A 192.0.2.2")
    cache = SimpleCache(upstream, clock)
    for _ in range(2):
        assert (await ask(cache, "gone.example.")).rcode() == dns.rcode.NXDOMAIN
        await ask(cache, "now.example.")
    assert upstream.asked("gone.example.") == 2
    assert upstream.asked("now.example.") == 2
