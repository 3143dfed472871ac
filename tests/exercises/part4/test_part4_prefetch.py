"""Grading: part 4, exercise 3 (exercises/part4/prefetch.py).

The upstream answers with TTL 100; the clock moves by hand. With the
default fraction 0.1, an entry is due for a refresh in its last 10 seconds.
"""

import asyncio

import dns.message
import dns.rcode
import pytest
from part4_exercise_support import DST, SRC, Clock, Upstream, answer_ttl, query_wire

from part4_cache import Cache, cached

NAME = "popular.example.test."


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def upstream():
    return Upstream(ttl=100)


@pytest.fixture
def module(exercise):
    return exercise("part4/prefetch")


@pytest.fixture
def prefetching(module, upstream, clock):
    return module.Prefetching(cached(upstream, Cache(clock=clock)))


async def miss(prefetching, clock, at):
    """The first question: the slow path asks the upstream and fills the cache."""
    clock.now = 1000.0 + at
    query = dns.message.make_query(NAME, "A")
    await prefetching(query, src=SRC, dst=DST)


def hit(prefetching, clock, at):
    """A later question, answered by the fast path; its reply's TTL."""
    clock.now = 1000.0 + at
    reply = prefetching.fast_path(query_wire(NAME), SRC, True)
    assert reply is not None, f"no hit at t={at}"
    return answer_ttl(reply)


async def test_no_refresh_early_in_the_life(prefetching, upstream, clock):
    await miss(prefetching, clock, 0)
    for at in (10, 50, 89):
        hit(prefetching, clock, at)
    await prefetching.wait_idle()
    assert len(upstream.calls) == 1


async def test_a_popular_answer_is_refreshed_in_its_last_tenth(prefetching, upstream, clock):
    await miss(prefetching, clock, 0)
    hit(prefetching, clock, 50)
    assert hit(prefetching, clock, 91) == 9       # the old answer, and a refresh starts
    await prefetching.wait_idle()
    assert len(upstream.calls) == 2
    # Past the old entry's end, the refreshed one answers: no wait, no upstream.
    assert hit(prefetching, clock, 150) == 41     # stored at 91 with TTL 100
    await prefetching.wait_idle()
    assert len(upstream.calls) == 2


async def test_the_fast_path_gives_the_caches_bytes(prefetching, clock):
    await miss(prefetching, clock, 0)
    clock.now = 1030.0
    wire = query_wire(NAME)
    assert prefetching.fast_path(wire, SRC, True) == prefetching.cached.fast_path(wire, SRC, True)
    assert prefetching.fast_path(query_wire("other.test."), SRC, True) is None


async def test_an_unpopular_answer_is_left_to_expire(prefetching, upstream, clock):
    await miss(prefetching, clock, 0)
    hit(prefetching, clock, 95)                   # one hit only: below min_hits
    await prefetching.wait_idle()
    assert len(upstream.calls) == 1


async def test_hits_count_from_when_the_entry_was_stored(prefetching, upstream, clock):
    await miss(prefetching, clock, 0)
    hit(prefetching, clock, 50)
    hit(prefetching, clock, 91)
    await prefetching.wait_idle()                 # refreshed at 91: a new life to 191
    hit(prefetching, clock, 182)                  # first hit of the new entry
    await prefetching.wait_idle()
    assert len(upstream.calls) == 2
    hit(prefetching, clock, 183)                  # second: now it is refreshed
    await prefetching.wait_idle()
    assert len(upstream.calls) == 3


async def test_one_refresh_at_a_time(prefetching, upstream, clock):
    await miss(prefetching, clock, 0)
    upstream.gate = asyncio.Event()               # the refresh hangs upstream
    for at in (50, 91, 92, 93, 94):
        hit(prefetching, clock, at)
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(upstream.calls) == 2
    upstream.gate.set()
    await prefetching.wait_idle()
    assert len(upstream.calls) == 2


async def test_a_failed_refresh_keeps_the_old_answer(prefetching, upstream, clock):
    await miss(prefetching, clock, 0)
    upstream.rcode = dns.rcode.SERVFAIL
    hit(prefetching, clock, 50)
    hit(prefetching, clock, 91)
    await prefetching.wait_idle()
    assert len(upstream.calls) == 2
    assert hit(prefetching, clock, 95) == 5       # still the good answer, counting down


async def test_a_refresh_that_raises_keeps_the_old_answer(prefetching, upstream, clock):
    await miss(prefetching, clock, 0)
    upstream.fail_with = RuntimeError("upstream exploded")
    hit(prefetching, clock, 50)
    hit(prefetching, clock, 91)
    await prefetching.wait_idle()
    assert hit(prefetching, clock, 95) == 5


async def test_the_fraction_is_a_setting(module, upstream, clock):
    prefetching = module.Prefetching(cached(upstream, Cache(clock=clock)), fraction=0.5,
                                     min_hits=1)
    await miss(prefetching, clock, 0)
    hit(prefetching, clock, 40)                   # 60 left of 100: not yet
    await prefetching.wait_idle()
    assert len(upstream.calls) == 1
    hit(prefetching, clock, 55)                   # 45 left: refresh
    await prefetching.wait_idle()
    assert len(upstream.calls) == 2
