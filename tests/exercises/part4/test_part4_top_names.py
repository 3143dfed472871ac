"""Grading: part 4, exercise 1 (exercises/part4/top_names.py)."""

import dns.message
import pytest
from part4_exercise_support import DST, SRC, Clock, Upstream, query_wire

from part4_cache import Cache, cached


@pytest.fixture
def counting(exercise):
    module = exercise("part4/top_names")
    clock = Clock()
    return module, module.TopNames(cached(Upstream(), Cache(clock=clock)))


async def ask(top, name, rdtype="A"):
    """What the server does: the fast path first, the slow path if it says None."""
    wire = query_wire(name, rdtype)
    reply = top.fast_path(wire, SRC, True)
    if reply is None:
        await top(dns.message.from_wire(wire), src=SRC, dst=DST)


async def test_questions_and_hits_per_name(counting):
    module, top = counting
    for _ in range(4):
        await ask(top, "www.example.test.")     # a miss, then three hits
    for _ in range(2):
        await ask(top, "Mail.Example.TEST.")    # a miss, then a hit
    await ask(top, "once.example.test.")
    assert top.top() == [module.NameCount("www.example.test.", 4, 3),
                         module.NameCount("mail.example.test.", 2, 1),
                         module.NameCount("once.example.test.", 1, 0)]


async def test_a_declined_fast_path_is_not_counted_twice(counting):
    _, top = counting
    assert top.fast_path(query_wire("new.example.test."), SRC, True) is None
    assert top.top() == []


async def test_a_hit_on_the_slow_path_counts(counting):
    module, top = counting
    query = dns.message.make_query("slow.example.test.", "A")
    await top(query, src=SRC, dst=DST)       # miss
    await top(query, src=SRC, dst=DST)       # hit, answered without the fast path
    assert top.top() == [module.NameCount("slow.example.test.", 2, 1)]


async def test_types_of_one_name_add_up(counting):
    module, top = counting
    await ask(top, "dual.example.test.", "A")
    await ask(top, "dual.example.test.", "AAAA")
    assert top.top() == [module.NameCount("dual.example.test.", 2, 0)]


async def test_top_n_and_ties_in_name_order(counting):
    _, top = counting
    for name in ("c.test.", "a.test.", "b.test.", "b.test.", "d.test."):
        await ask(top, name)
    assert [count.name for count in top.top(3)] == ["b.test.", "a.test.", "c.test."]
    assert len(top.top(10)) == 4


async def test_the_fast_path_answers_as_the_cache_does(counting):
    _, top = counting
    await ask(top, "www.example.test.")
    wire = query_wire("www.example.test.")
    assert top.fast_path(wire, SRC, True) == top.cached.fast_path(wire, SRC, True)
