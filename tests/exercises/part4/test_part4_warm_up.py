"""Grading: part 4, exercise 2 (exercises/part4/warm_up.py)."""

import dns.rcode
import pytest
from part4_exercise_support import SRC, Clock, Upstream, answer_ttl, query_wire

from part4_cache import Cache, cached


@pytest.fixture
def warm(exercise):
    return exercise("part4/warm_up")


@pytest.fixture
def upstream():
    return Upstream()


@pytest.fixture
def cache_in_front(upstream):
    return cached(upstream, Cache(clock=Clock()))


def test_reading_the_questions(warm, tmp_path):
    path = tmp_path / "popular.txt"
    path.write_text("# most asked last week\n"
                    "www.example.test\n"
                    "\n"
                    "mail.example.test  mx   # the mail server\n"
                    "example.test AAAA\n")
    assert warm.read_questions(path) == [("www.example.test", "A"),
                                         ("mail.example.test", "MX"),
                                         ("example.test", "AAAA")]


async def test_warmed_names_are_hits(warm, cache_in_front, upstream):
    names = [f"site{i}.example.test." for i in range(6)]
    report = await warm.warm_up(cache_in_front, [(name, "A") for name in names])
    assert report.answered == [f"{name}/A" for name in names]
    assert report.failed == []
    assert sorted(upstream.calls) == sorted(names)
    for name in names:     # now the fast path answers, without the upstream
        assert answer_ttl(cache_in_front.fast_path(query_wire(name), SRC, True)) == 100
    assert len(upstream.calls) == len(names)


async def test_at_most_concurrency_questions_at_once(warm, cache_in_front, upstream):
    questions = [(f"n{i}.example.test.", "A") for i in range(10)]
    await warm.warm_up(cache_in_front, questions, concurrency=3)
    assert upstream.most_active == 3
    assert len(upstream.calls) == 10


async def test_failures_are_reported_and_do_not_stop_the_rest(warm, upstream):
    class Picky:
        async def __call__(self, query, *, src, dst):
            name = query.question[0].name.to_text()
            if name == "broken.test.":
                upstream.rcode = dns.rcode.SERVFAIL
            elif name == "gone.test.":
                upstream.rcode = dns.rcode.NXDOMAIN
            elif name == "boom.test.":
                raise RuntimeError("the upstream blew up")
            elif name == "nobody.test.":
                return None
            else:
                upstream.rcode = dns.rcode.NOERROR
            return await upstream(query, src=src, dst=dst)

    questions = [("ok.test.", "A"), ("broken.test.", "A"), ("gone.test.", "A"),
                 ("boom.test.", "A"), ("nobody.test.", "A"), ("fine.test.", "AAAA")]
    report = await warm.warm_up(Picky(), questions, concurrency=1)
    assert report.answered == ["ok.test./A", "gone.test./A", "fine.test./AAAA"]
    assert report.failed == ["broken.test./A", "boom.test./A", "nobody.test./A"]
