"""Grading: part 3, exercise 2 (exercises/part3/round_robin.py)."""

import contextlib

import dns.message
import dns.rcode
import pytest
from dnstest.fake_server import FakeDnsServer

from part3_forwarder import Upstream

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


@pytest.fixture
async def upstreams():
    async with contextlib.AsyncExitStack() as stack:
        servers = [await stack.enter_async_context(FakeDnsServer()) for _ in range(3)]
        for index, server in enumerate(servers):
            server.records(f"www.example.test. 300 IN A 192.0.2.{index + 1}")
        yield servers


@pytest.fixture
def forwarder(exercise, upstreams):
    module = exercise("part3/round_robin")
    return module.RoundRobinForwarder(
        [Upstream(server.host, server.port) for server in upstreams],
        timeout=2.0, attempt_timeout=0.3)


async def ask(forwarder, name="www.example.test."):
    return await forwarder(dns.message.make_query(name, "A"), src=SRC, dst=DST)


def answered_by(reply) -> str:
    return reply.answer[0][0].to_text()


async def test_questions_take_turns(forwarder):
    replies = [await ask(forwarder) for _ in range(6)]
    assert [answered_by(reply) for reply in replies] == [
        "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.1", "192.0.2.2", "192.0.2.3"]


async def test_the_load_is_even(forwarder, upstreams):
    for _ in range(9):
        await ask(forwarder)
    assert [len(server.queries) for server in upstreams] == [3, 3, 3]


async def test_failing_over_goes_on_around_the_circle(forwarder, upstreams):
    upstreams[1].rcode("www.example.test.", "A", "SERVFAIL")       # B is broken
    first = await ask(forwarder)    # starts at A
    second = await ask(forwarder)   # starts at B, which fails: C answers
    assert answered_by(first) == "192.0.2.1"
    assert answered_by(second) == "192.0.2.3"
    assert len(upstreams[0].queries) == 1             # A was not asked again


async def test_servfail_when_all_fail(forwarder, upstreams):
    for server in upstreams:
        server.rcode("www.example.test.", "A", "SERVFAIL")
    assert (await ask(forwarder)).rcode() == dns.rcode.SERVFAIL
    assert [len(server.queries) for server in upstreams] == [1, 1, 1]


async def test_a_resting_upstream_is_left_out_of_the_turn(forwarder, upstreams):
    sick = forwarder.upstreams[1]
    for _ in range(forwarder.health.max_failures):
        forwarder.health.failed(sick, "made to fail by the test")
    replies = [await ask(forwarder) for _ in range(4)]
    assert "192.0.2.2" not in {answered_by(reply) for reply in replies}
    assert upstreams[1].queries == []
    assert sorted(answered_by(reply) for reply in replies) == [
        "192.0.2.1", "192.0.2.1", "192.0.2.3", "192.0.2.3"]
