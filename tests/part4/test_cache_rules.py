"""Every rule of the cache, with a fake clock: no test waits for a TTL."""

import asyncio

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

from part2_server.wire import read_query
from part4_cache import Cache, Entry, cached, wire

from .helpers import fast, make_query, slow, ttls

SOA = "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 900 1209600 60"


# -- TTLs count down ---------------------------------------------------------

async def test_second_query_is_answered_from_the_cache(resolver, upstream):
    upstream.answer("www.example.test.", "A", "www.example.test. 300 IN A 192.0.2.1")
    await slow(resolver, make_query("www.example.test."))
    reply = await slow(resolver, make_query("www.example.test."))
    assert upstream.asked("www.example.test.") == 1
    assert [str(rd) for rd in reply.answer[0]] == ["192.0.2.1"]


async def test_ttls_count_down_by_whole_seconds(resolver, upstream, clock):
    upstream.answer("www.example.test.", "A",
                    "www.example.test. 300 IN CNAME web.example.test.",
                    "web.example.test. 120 IN A 192.0.2.1")
    await slow(resolver, make_query("www.example.test."))
    clock.advance(10.9)  # ten whole seconds
    expected = {"www.example.test. CNAME": 290, "web.example.test. A": 110}
    assert ttls(await slow(resolver, make_query("www.example.test."))) == expected
    assert ttls(fast(resolver, make_query("www.example.test."))) == expected


async def test_entry_expires_when_its_smallest_ttl_runs_out(resolver, upstream, clock):
    upstream.answer("www.example.test.", "A",
                    "www.example.test. 300 IN CNAME web.example.test.",
                    "web.example.test. 60 IN A 192.0.2.1")
    await slow(resolver, make_query("www.example.test."))
    clock.advance(59.9)
    assert fast(resolver, make_query("www.example.test.")) is not None
    clock.advance(0.1)  # the A record's 60 seconds are up
    assert fast(resolver, make_query("www.example.test.")) is None
    await slow(resolver, make_query("www.example.test."))
    assert upstream.asked("www.example.test.") == 2


async def test_ttl_zero_is_not_cached(resolver, upstream):
    upstream.answer("now.example.test.", "A", "now.example.test. 0 IN A 192.0.2.1")
    first = await slow(resolver, make_query("now.example.test."))
    await slow(resolver, make_query("now.example.test."))
    assert upstream.asked("now.example.test.") == 2
    assert ttls(first) == {"now.example.test. A": 0}  # passed on as it came


async def test_ttl_zero_is_not_cached_even_with_a_min_ttl(upstream, clock):
    resolver = cached(upstream, Cache(min_ttl=60, clock=clock))
    upstream.answer("now.example.test.", "A", "now.example.test. 0 IN A 192.0.2.1")
    await slow(resolver, make_query("now.example.test."))
    await slow(resolver, make_query("now.example.test."))
    assert upstream.asked("now.example.test.") == 2


async def test_min_ttl_raises_short_ttls(upstream, clock):
    resolver = cached(upstream, Cache(min_ttl=60, clock=clock))
    upstream.answer("cdn.example.test.", "A", "cdn.example.test. 5 IN A 192.0.2.1")
    await slow(resolver, make_query("cdn.example.test."))
    clock.advance(30)
    reply = await slow(resolver, make_query("cdn.example.test."))
    assert upstream.asked("cdn.example.test.") == 1
    assert ttls(reply) == {"cdn.example.test. A": 30}


async def test_max_ttl_caps_long_ttls(upstream, clock):
    resolver = cached(upstream, Cache(max_ttl=100, clock=clock))
    upstream.answer("old.example.test.", "A", "old.example.test. 604800 IN A 192.0.2.1")
    reply = await slow(resolver, make_query("old.example.test."))
    assert ttls(reply) == {"old.example.test. A": 100}
    clock.advance(100)
    await slow(resolver, make_query("old.example.test."))
    assert upstream.asked("old.example.test.") == 2


async def test_clamping_never_changes_the_inner_processors_own_records(upstream, clock):
    # A zone hands out its own RRset objects: the cache must copy, not edit them.
    resolver = cached(upstream, Cache(max_ttl=100, clock=clock))
    upstream.answer("old.example.test.", "A", "old.example.test. 604800 IN A 192.0.2.1")
    first = await slow(resolver, make_query("old.example.test."))
    assert first.answer[0].ttl == 100
    assert upstream.rules[(first.answer[0].name, 1)]["answer"][0].ttl == 604800


# -- negative caching (RFC 2308) --------------------------------------------

async def test_nxdomain_is_cached_for_the_soa_minimum(resolver, upstream, clock):
    upstream.answer("nope.example.test.", "A", authority=[SOA], rcode=dns.rcode.NXDOMAIN)
    first = await slow(resolver, make_query("nope.example.test."))
    # RFC 2308 s5: min(SOA TTL 3600, MINIMUM 60), carried as the SOA's TTL.
    assert ttls(first) == {"example.test. SOA": 60}
    clock.advance(20)
    reply = fast(resolver, make_query("nope.example.test."))
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert ttls(reply) == {"example.test. SOA": 40}
    clock.advance(40)
    await slow(resolver, make_query("nope.example.test."))
    assert upstream.asked("nope.example.test.") == 2


async def test_negative_ttl_is_the_soa_ttl_when_that_is_smaller(resolver, upstream):
    soa = SOA.replace(" 3600 ", " 30 ").replace(" 60", " 600")  # TTL 30, MINIMUM 600
    upstream.answer("nope.example.test.", "A", authority=[soa], rcode=dns.rcode.NXDOMAIN)
    assert ttls(await slow(resolver, make_query("nope.example.test."))) == {"example.test. SOA": 30}


async def test_nodata_is_cached_like_nxdomain(resolver, upstream, clock):
    upstream.answer("www.example.test.", "AAAA", authority=[SOA])
    await slow(resolver, make_query("www.example.test.", "AAAA"))
    clock.advance(59)
    reply = await slow(resolver, make_query("www.example.test.", "AAAA"))
    assert (reply.rcode(), reply.answer) == (dns.rcode.NOERROR, [])
    assert ttls(reply) == {"example.test. SOA": 1}
    assert upstream.asked("www.example.test.", "AAAA") == 1


async def test_max_negative_ttl_caps_negative_answers(upstream, clock):
    resolver = cached(upstream, Cache(max_negative_ttl=10, clock=clock))
    upstream.answer("nope.example.test.", "A", authority=[SOA], rcode=dns.rcode.NXDOMAIN)
    assert ttls(await slow(resolver, make_query("nope.example.test."))) == {"example.test. SOA": 10}
    clock.advance(10)
    await slow(resolver, make_query("nope.example.test."))
    assert upstream.asked("nope.example.test.") == 2


@pytest.mark.parametrize("rcode", [dns.rcode.NXDOMAIN, dns.rcode.NOERROR])
async def test_negative_answer_without_soa_is_not_cached(resolver, upstream, rcode):
    upstream.answer("nope.example.test.", "A", rcode=rcode)
    await slow(resolver, make_query("nope.example.test."))
    await slow(resolver, make_query("nope.example.test."))
    assert upstream.asked("nope.example.test.") == 2


async def test_nxdomain_after_a_cname_without_soa_is_not_cached(resolver, upstream):
    upstream.answer("alias.example.test.", "A",
                    "alias.example.test. 300 IN CNAME gone.example.test.",
                    rcode=dns.rcode.NXDOMAIN)
    await slow(resolver, make_query("alias.example.test."))
    await slow(resolver, make_query("alias.example.test."))
    assert upstream.asked("alias.example.test.") == 2


async def test_nodata_with_ns_but_no_soa_is_not_cached(resolver, upstream):
    upstream.answer("www.example.test.", "AAAA",
                    authority=["example.test. 3600 IN NS ns1.example.test."])
    await slow(resolver, make_query("www.example.test.", "AAAA"))
    await slow(resolver, make_query("www.example.test.", "AAAA"))
    assert upstream.asked("www.example.test.", "AAAA") == 2


# -- failures and what is never cached ---------------------------------------

async def test_servfail_is_remembered_for_five_seconds(resolver, upstream, clock):
    upstream.answer("down.example.test.", "A", rcode=dns.rcode.SERVFAIL)
    await slow(resolver, make_query("down.example.test."))
    clock.advance(4.9)
    assert fast(resolver, make_query("down.example.test.")).rcode() == dns.rcode.SERVFAIL
    assert upstream.asked("down.example.test.") == 1
    clock.advance(0.1)  # RFC 9520: remembered briefly, then asked again
    await slow(resolver, make_query("down.example.test."))
    assert upstream.asked("down.example.test.") == 2


async def test_a_processor_that_raises_gives_servfail_remembered_briefly(resolver, upstream, clock):
    upstream.fail = True
    reply = await slow(resolver, make_query("boom.example.test."))
    assert reply.rcode() == dns.rcode.SERVFAIL
    await slow(resolver, make_query("boom.example.test."))
    assert upstream.asked("boom.example.test.") == 1
    clock.advance(5)
    await slow(resolver, make_query("boom.example.test."))
    assert upstream.asked("boom.example.test.") == 2


async def test_truncated_reply_is_never_cached(resolver, upstream):
    upstream.answer("big.example.test.", "TXT", "big.example.test. 300 IN TXT hello",
                    flags=dns.flags.RA | dns.flags.TC)
    await slow(resolver, make_query("big.example.test.", "TXT"))
    await slow(resolver, make_query("big.example.test.", "TXT"))
    assert upstream.asked("big.example.test.", "TXT") == 2


@pytest.mark.parametrize("rcode", [dns.rcode.REFUSED, dns.rcode.FORMERR, dns.rcode.NOTIMP])
async def test_other_error_rcodes_are_not_cached(resolver, upstream, rcode):
    # With an SOA, so that only the rcode can keep it out of the cache.
    upstream.answer("odd.example.test.", "A", authority=[SOA], rcode=rcode)
    await slow(resolver, make_query("odd.example.test."))
    await slow(resolver, make_query("odd.example.test."))
    assert upstream.asked("odd.example.test.") == 2


async def test_none_from_the_inner_processor_is_passed_on_and_not_cached(resolver, upstream):
    assert await slow(resolver, make_query("nobody.example.test.")) is None
    assert await slow(resolver, make_query("nobody.example.test.")) is None
    assert upstream.asked("nobody.example.test.") == 2


async def test_checking_disabled_answer_is_not_cached(resolver, upstream):
    upstream.answer("sec.example.test.", "A", "sec.example.test. 300 IN A 192.0.2.1")
    await slow(resolver, make_query("sec.example.test.", flags=dns.flags.RD | dns.flags.CD))
    await slow(resolver, make_query("sec.example.test."))
    assert upstream.asked("sec.example.test.") == 2  # the CD=1 answer was not kept


async def test_checking_disabled_query_may_read_the_cache(resolver, upstream):
    upstream.answer("sec.example.test.", "A", "sec.example.test. 300 IN A 192.0.2.1")
    await slow(resolver, make_query("sec.example.test."))
    reply = fast(resolver, make_query("sec.example.test.", flags=dns.flags.RD | dns.flags.CD))
    assert reply.flags & dns.flags.CD  # RFC 4035 s3.1.6: copied from the query
    assert upstream.asked("sec.example.test.") == 1


async def test_checking_disabled_query_skips_a_remembered_failure(resolver, upstream):
    # A validator (part 7) answers SERVFAIL for bogus data; CD=1 asks for the data.
    upstream.answer("bogus.example.test.", "A", rcode=dns.rcode.SERVFAIL)
    await slow(resolver, make_query("bogus.example.test."))
    cd = make_query("bogus.example.test.", flags=dns.flags.RD | dns.flags.CD)
    assert fast(resolver, cd) is None
    await slow(resolver, cd)
    assert upstream.asked("bogus.example.test.") == 2
    assert fast(resolver, make_query("bogus.example.test.")).rcode() == dns.rcode.SERVFAIL


# -- the key -------------------------------------------------------------------

async def test_key_ignores_the_case_of_the_name(resolver, upstream):
    upstream.answer("www.example.test.", "A", "www.example.test. 300 IN A 192.0.2.1")
    await slow(resolver, make_query("www.example.test."))
    assert fast(resolver, make_query("WWW.Example.TEST.")) is not None
    assert upstream.asked("www.example.test.") == 1


async def test_key_separates_types(resolver, upstream):
    upstream.answer("www.example.test.", "A", "www.example.test. 300 IN A 192.0.2.1")
    upstream.answer("www.example.test.", "AAAA", "www.example.test. 300 IN AAAA 2001:db8::1")
    await slow(resolver, make_query("www.example.test."))
    assert fast(resolver, make_query("www.example.test.", "AAAA")) is None
    reply = await slow(resolver, make_query("www.example.test.", "AAAA"))
    assert [str(rd) for rd in reply.answer[0]] == ["2001:db8::1"]


async def test_key_separates_the_do_bit(resolver, upstream):
    upstream.answer("www.example.test.", "A", "www.example.test. 300 IN A 192.0.2.1")
    await slow(resolver, make_query("www.example.test."))
    assert fast(resolver, make_query("www.example.test.", do=True)) is None
    await slow(resolver, make_query("www.example.test.", do=True))
    assert upstream.asked("www.example.test.") == 2
    assert fast(resolver, make_query("www.example.test.", do=True)).ednsflags & dns.flags.DO


async def test_key_separates_classes(resolver, upstream):
    upstream.answer("www.example.test.", "A", "www.example.test. 300 IN A 192.0.2.1")
    await slow(resolver, make_query("www.example.test."))
    assert fast(resolver, make_query("www.example.test.", rdclass="CH")) is None


# -- bounded memory: LRU -----------------------------------------------------

async def test_least_recently_used_entry_is_evicted(upstream, clock):
    cache = Cache(max_entries=2, clock=clock)
    resolver = cached(upstream, cache)
    for name in ("a", "b", "c"):
        upstream.answer(f"{name}.example.test.", "A", f"{name}.example.test. 300 IN A 192.0.2.1")
    await slow(resolver, make_query("a.example.test."))
    await slow(resolver, make_query("b.example.test."))
    assert fast(resolver, make_query("a.example.test.")) is not None  # a is now the newest
    await slow(resolver, make_query("c.example.test."))  # evicts b, the least recently used
    assert len(cache) == 2
    assert cache.stats.evictions == 1
    assert fast(resolver, make_query("a.example.test.")) is not None
    assert fast(resolver, make_query("c.example.test.")) is not None
    assert fast(resolver, make_query("b.example.test.")) is None


async def test_eviction_follows_the_order_of_use(upstream, clock):
    cache = Cache(max_entries=3, clock=clock)
    resolver = cached(upstream, cache)
    names = [f"{letter}.example.test." for letter in "abcde"]
    for name in names:
        upstream.answer(name, "A", f"{name} 300 IN A 192.0.2.1")
    for name in names[:3]:
        await slow(resolver, make_query(name))  # a, b, c: a is the least recently used
    assert fast(resolver, make_query("a.example.test.")) is not None  # b, c, a
    await slow(resolver, make_query("d.example.test."))  # evicts b: c, a, d
    assert fast(resolver, make_query("c.example.test.")) is not None  # a, d, c
    await slow(resolver, make_query("e.example.test."))  # evicts a: d, c, e
    assert cache.stats.evictions == 2
    cached_now = [name for name in names if fast(resolver, make_query(name)) is not None]
    assert cached_now == ["c.example.test.", "d.example.test.", "e.example.test."]


def _stored_reply(name: str, address: str = "192.0.2.1", ttl: int = 300) -> tuple[bytes, bytes]:
    """A cache key and an encoded reply for it, as the cache gets them."""
    query = make_query(name)
    reply = dns.message.make_response(query)
    reply.answer.append(dns.rrset.from_text(name, ttl, "IN", "A", address))
    return read_query(query.to_wire()).key, reply.to_wire()


def test_a_new_answer_for_a_name_counts_as_its_most_recent_use():
    cache = Cache(max_entries=2)
    a, b, c = (_stored_reply(f"{name}.example.test.") for name in "abc")
    cache.store(*a, 1000.0)
    cache.store(*b, 1000.0)
    cache.store(*a, 1001.0)  # a again, still cached: a is now the most recent
    cache.store(*c, 1002.0)  # evicts b, not a
    assert cache.lookup(a[0], 1003.0) is not None
    assert cache.lookup(b[0], 1003.0) is None


def test_a_hit_entry_stored_anew_answers_with_the_new_answer():
    cache = Cache()
    key, first = _stored_reply("www.example.test.", "192.0.2.1", 300)
    cache.store(key, first, 1000.0)
    assert cache.lookup(key, 1001.0) is not None  # hit: unpacked now
    cache.store(key, _stored_reply("www.example.test.", "192.0.2.2", 600)[1], 1002.0)
    entry = cache.lookup(key, 1012.0)
    reply = dns.message.from_wire(entry.wire[:entry.question_end] + entry.body(1012.0))
    assert [str(rd) for rd in reply.answer[0]] == ["192.0.2.2"]
    assert reply.answer[0].ttl == 590


async def test_entries_packed_again_answer_as_before(upstream, clock, monkeypatch):
    # Only the last few entries hit stay unpacked; one unpacked again must
    # answer exactly as it did, TTLs counted down from when it was stored.
    monkeypatch.setattr("part4_cache.cache.MAX_UNPACKED", 2)
    resolver = cached(upstream, Cache(clock=clock))
    names = [f"{letter}.example.test." for letter in "abc"]
    for name in names:
        upstream.answer(name, "A", f"{name} 300 IN A 192.0.2.1")
        await slow(resolver, make_query(name))
    clock.advance(5)
    first = [fast(resolver, make_query(name)) for name in names]  # a is packed again
    clock.advance(5)
    again = [fast(resolver, make_query(name)) for name in reversed(names)][::-1]
    assert [ttls(reply) for reply in first] == [{f"{name} A": 295} for name in names]
    assert [ttls(reply) for reply in again] == [{f"{name} A": 290} for name in names]
    assert [reply.answer for reply in first] == [reply.answer for reply in again]
    assert upstream.asked("a.example.test.") == 1


def test_packing_an_entry_again_never_brings_back_an_old_answer(monkeypatch):
    monkeypatch.setattr("part4_cache.cache.MAX_UNPACKED", 1)
    cache = Cache(max_entries=2)
    a, b, c = (_stored_reply(f"{name}.example.test.") for name in "abc")
    cache.store(*a, 1000.0)
    assert cache.lookup(a[0], 1001.0) is not None  # a unpacked
    new_a = _stored_reply("a.example.test.", "192.0.2.2")
    cache.store(*new_a, 1002.0)  # a stored anew, packed
    cache.store(*b, 1002.0)
    assert cache.lookup(b[0], 1003.0) is not None  # b unpacked: the old a is let go
    entry = cache.lookup(a[0], 1003.0)
    assert dns.message.from_wire(entry.wire).answer[0][0].address == "192.0.2.2"
    cache.store(*c, 1004.0)  # evicts b
    cache.lookup(c[0], 1004.0)  # c unpacked: b, unpacked before, must stay evicted
    cache.lookup(a[0], 1004.0)
    assert len(cache) == 2 and cache.lookup(b[0], 1005.0) is None


def test_a_full_large_cache_evicts_its_least_used_hundredth_at_once():
    cache = Cache(max_entries=200)
    replies = [_stored_reply(f"n{i}.example.test.") for i in range(201)]
    for reply in replies[:200]:
        cache.store(*reply, 1000.0)
    cache.lookup(replies[0][0], 1000.0)  # n0 is used again: n1 is now the oldest
    assert cache.stats.evictions == 0
    cache.store(*replies[200], 1000.0)  # one too many: 1 + 200 // 100 go
    assert cache.stats.evictions == 3 and len(cache) == 198
    gone = [i for i, (key, _) in enumerate(replies) if cache.lookup(key, 1000.0) is None]
    assert gone == [1, 2, 3]


def test_an_entry_packs_into_one_bytes_object_and_back():
    key, reply = _stored_reply("www.example.test.")
    key = key[:-1] + b"\1"  # as a query with DO=1 would have it
    entry = Cache().store(key, reply, 1000.0).entry
    entry.retry_at = 1030.0  # a failed refresh, under serve-stale
    packed = entry.pack()
    assert len(packed) == 8 + 8 + 8 + 1 + 10 + len(entry.wire) - entry.question_end
    again = Entry.unpack(key, packed)
    for field in ("wire", "question_end", "stored_at", "expires_at", "retry_at", "kind",
                  "dnssec_ok", "heads"):
        assert getattr(again, field) == getattr(entry, field), field
    assert again.body(1010.0) == entry.body(1010.0)


# -- serve-stale (RFC 8767) --------------------------------------------------

@pytest.fixture
def stale_resolver(upstream, clock):
    return cached(upstream, Cache(serve_stale=True, clock=clock))


async def test_without_serve_stale_an_expired_entry_is_not_used(resolver, upstream, clock):
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.1")
    await slow(resolver, make_query("www.example.test."))
    clock.advance(61)
    upstream.answer("www.example.test.", "A", rcode=dns.rcode.SERVFAIL)
    reply = await slow(resolver, make_query("www.example.test."))
    assert reply.rcode() == dns.rcode.SERVFAIL


async def test_stale_answer_when_the_refresh_fails(stale_resolver, upstream, clock):
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.1")
    await slow(stale_resolver, make_query("www.example.test."))
    clock.advance(3600)
    upstream.answer("www.example.test.", "A", rcode=dns.rcode.SERVFAIL)
    reply = await slow(stale_resolver, make_query("www.example.test."))
    assert reply.rcode() == dns.rcode.NOERROR
    assert ttls(reply) == {"www.example.test. A": 30}  # RFC 8767 s4
    assert upstream.asked("www.example.test.") == 2  # a refresh was tried first
    assert stale_resolver.cache.stats.stale_answers == 1


async def test_stale_answer_when_the_processor_raises(stale_resolver, upstream, clock):
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.1")
    await slow(stale_resolver, make_query("www.example.test."))
    clock.advance(61)
    upstream.fail = True
    reply = await slow(stale_resolver, make_query("www.example.test."))
    assert [str(rd) for rd in reply.answer[0]] == ["192.0.2.1"]


async def test_no_stale_answer_when_the_refresh_works(stale_resolver, upstream, clock):
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.1")
    await slow(stale_resolver, make_query("www.example.test."))
    clock.advance(61)
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.2")
    reply = await slow(stale_resolver, make_query("www.example.test."))
    assert [str(rd) for rd in reply.answer[0]] == ["192.0.2.2"]
    assert ttls(reply) == {"www.example.test. A": 60}


async def test_after_a_failed_refresh_stale_answers_for_30_seconds(stale_resolver, upstream, clock):
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.1")
    await slow(stale_resolver, make_query("www.example.test."))
    clock.advance(61)
    upstream.answer("www.example.test.", "A", rcode=dns.rcode.SERVFAIL)
    await slow(stale_resolver, make_query("www.example.test."))
    clock.advance(29)
    reply = fast(stale_resolver, make_query("www.example.test."))
    assert ttls(reply) == {"www.example.test. A": 30}
    assert upstream.asked("www.example.test.") == 2  # not asked again meanwhile
    clock.advance(1)
    assert fast(stale_resolver, make_query("www.example.test.")) is None  # time to retry
    await slow(stale_resolver, make_query("www.example.test."))
    assert upstream.asked("www.example.test.") == 3


async def test_stale_data_is_kept_at_most_a_day(stale_resolver, upstream, clock):
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.1")
    await slow(stale_resolver, make_query("www.example.test."))
    clock.advance(60 + 86400)
    upstream.answer("www.example.test.", "A", rcode=dns.rcode.SERVFAIL)
    reply = await slow(stale_resolver, make_query("www.example.test."))
    assert reply.rcode() == dns.rcode.SERVFAIL


async def test_stale_entry_is_dropped_after_a_day(stale_resolver, upstream, clock):
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.1")
    await slow(stale_resolver, make_query("www.example.test."))
    clock.advance(60 + 86399)
    assert fast(stale_resolver, make_query("www.example.test.")) is None
    assert len(stale_resolver.cache) == 1  # expired, but kept in case a refresh fails
    clock.advance(1)
    assert fast(stale_resolver, make_query("www.example.test.")) is None
    assert len(stale_resolver.cache) == 0


async def test_a_day_can_run_out_while_the_refresh_is_tried(stale_resolver, upstream, clock):
    upstream.answer("www.example.test.", "A", "www.example.test. 60 IN A 192.0.2.1")
    await slow(stale_resolver, make_query("www.example.test."))
    clock.advance(60 + 86399)
    upstream.answer("www.example.test.", "A", rcode=dns.rcode.SERVFAIL)
    upstream.meanwhile = lambda: clock.advance(2)  # a slow upstream, then a failure
    reply = await slow(stale_resolver, make_query("www.example.test."))
    assert reply.rcode() == dns.rcode.SERVFAIL


# -- identical misses share one upstream query --------------------------------

async def test_identical_concurrent_misses_cause_one_upstream_query(resolver, upstream):
    upstream.answer("www.example.test.", "A", "www.example.test. 300 IN A 192.0.2.1")
    upstream.gate = asyncio.Event()
    # One asks upstream, five wait for it: the most that may (MAX_WAITING_PER_NAME).
    queries = [make_query("www.example.test." if i % 2 else "WWW.example.test.", query_id=i)
               for i in range(6)]
    pending = [asyncio.create_task(slow(resolver, q)) for q in queries]
    await asyncio.sleep(0)  # let them all reach the cache
    upstream.gate.set()
    replies = await asyncio.gather(*pending)
    assert upstream.asked("www.example.test.") == 1
    stats = resolver.cache.stats
    assert (stats.misses, stats.coalesced, stats.hits) == (6, 5, 0)
    for query, reply in zip(queries, replies, strict=True):
        assert reply.id == query.id
        assert reply.question[0].name.to_text() == query.question[0].name.to_text()  # case too
        assert [str(rd) for rd in reply.answer[0]] == ["192.0.2.1"]


async def test_a_miss_is_encoded_and_walked_once_and_waiters_parse_nothing(
        upstream, clock, monkeypatch):
    # The asker's reply is encoded once (to store it) and the stored bytes are
    # walked once (to find the TTLs); the reply and the waiters' copies get
    # the stored TTLs (clamped here to 60) without parsing those bytes back.
    resolver = cached(upstream, Cache(max_ttl=60, clock=clock))
    upstream.answer("www.example.test.", "A", "www.example.test. 300 IN A 192.0.2.1")
    upstream.gate = asyncio.Event()
    walks, parses = [], []
    walk, parse = wire.walk_reply, dns.message.from_wire
    monkeypatch.setattr(wire, "walk_reply", lambda *a: walks.append(1) or walk(*a))
    monkeypatch.setattr(dns.message, "from_wire",
                        lambda *a, **k: parses.append(1) or parse(*a, **k))
    pending = [asyncio.create_task(slow(resolver, make_query("www.example.test.", query_id=i)))
               for i in range(3)]
    await asyncio.sleep(0)
    upstream.gate.set()
    replies = await asyncio.gather(*pending)
    assert (len(walks), len(parses)) == (1, 0)
    assert [r.id for r in replies] == [0, 1, 2]
    assert all(ttls(r) == {"www.example.test. A": 60} for r in replies)


async def test_waiters_get_an_uncacheable_answer_too(resolver, upstream):
    upstream.answer("now.example.test.", "A", "now.example.test. 0 IN A 192.0.2.1")
    upstream.gate = asyncio.Event()
    pending = [asyncio.create_task(slow(resolver, make_query("now.example.test.", query_id=i)))
               for i in range(3)]
    await asyncio.sleep(0)
    upstream.gate.set()
    replies = await asyncio.gather(*pending)
    assert upstream.asked("now.example.test.") == 1
    assert [r.id for r in replies] == [0, 1, 2]
    assert all(ttls(r) == {"now.example.test. A": 0} for r in replies)


async def test_different_questions_are_not_coalesced(resolver, upstream):
    for name in ("a", "b"):
        upstream.answer(f"{name}.example.test.", "A", f"{name}.example.test. 300 IN A 192.0.2.1")
    upstream.gate = asyncio.Event()
    pending = [asyncio.create_task(slow(resolver, make_query(f"{n}.example.test.")))
               for n in ("a", "b")]
    await asyncio.sleep(0)
    upstream.gate.set()
    await asyncio.gather(*pending)
    assert (upstream.asked("a.example.test."), upstream.asked("b.example.test.")) == (1, 1)


# -- statistics --------------------------------------------------------------

async def test_statistics_count_hits_misses_and_entries(resolver, upstream):
    upstream.answer("www.example.test.", "A", "www.example.test. 300 IN A 192.0.2.1")
    await slow(resolver, make_query("www.example.test."))  # miss
    await slow(resolver, make_query("www.example.test."))  # hit, slow path
    fast(resolver, make_query("www.example.test."))  # hit, fast path
    fast(resolver, make_query("other.example.test."))  # not counted: the slow path will be
    stats = resolver.cache.stats
    assert (stats.hits, stats.misses, stats.entries, stats.evictions) == (2, 1, 1, 0)
    assert "1 entries, 2 hits, 1 misses" in stats.summary()
