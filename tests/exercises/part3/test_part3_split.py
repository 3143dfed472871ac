"""Grading: part 3, exercise 3 (exercises/part3/split.py)."""

import contextlib

import dns.message
import dns.name
import pytest
from dnstest.fake_server import FakeDnsServer

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


@pytest.fixture
async def servers():
    async with contextlib.AsyncExitStack() as stack:
        named = {}
        for role, last in (("office", 10), ("lab", 20), ("home", 30), ("home2", 31)):
            server = await stack.enter_async_context(FakeDnsServer())
            # Each answers every A question with its own address: who answered shows.
            server.script(None, "A", handler=lambda query, last=last: answer(query, last))
            named[role] = server
        yield named


def answer(query, last):
    reply = dns.message.make_response(query)
    reply.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A",
                                            f"192.0.2.{last}"))
    return reply


def where(server):
    return f"{server.host}:{server.port}"


@pytest.fixture
def split(exercise, servers):
    module = exercise("part3/split")
    return module.SplitForwarder(
        {"corp.test": [where(servers["office"])],
         "LAB.corp.test.": [where(servers["lab"])]},
        default=[where(servers["home"]), where(servers["home2"])],
        timeout=2.0, attempt_timeout=0.5)


async def answered_by(split, name):
    reply = await split(dns.message.make_query(name, "A"), src=SRC, dst=DST)
    return reply.answer[0][0].to_text()


@pytest.mark.parametrize(("name", "expected"), [
    ("www.corp.test.", "192.0.2.10"),
    ("corp.test.", "192.0.2.10"),
    ("WWW.Corp.Test.", "192.0.2.10"),
    ("x.lab.corp.test.", "192.0.2.20"),
    ("lab.corp.test.", "192.0.2.20"),
    ("www.example.test.", "192.0.2.30"),
    ("notcorp.test.", "192.0.2.30"),
    ("corp.test.example.", "192.0.2.30"),
])
async def test_each_name_goes_to_its_upstream(split, name, expected):
    assert await answered_by(split, name) == expected


async def test_forwarder_for_names_the_forwarder(split, servers):
    office = split.forwarder_for(dns.name.from_text("a.corp.test."))
    default = split.forwarder_for(dns.name.from_text("example.test."))
    assert [str(u) for u in office.upstreams] == [where(servers["office"])]
    assert [str(u) for u in default.upstreams] == [where(servers["home"]),
                                                   where(servers["home2"])]
    assert split.forwarder_for(dns.name.from_text("b.corp.test.")) is office


async def test_forwarder_options_reach_every_forwarder(split):
    for name in ("a.corp.test.", "a.lab.corp.test.", "example.test."):
        forwarder = split.forwarder_for(dns.name.from_text(name))
        assert forwarder.timeout == 2.0 and forwarder.attempt_timeout == 0.5


async def test_the_default_fails_over(split, servers):
    servers["home"].rcode(None, "A", "SERVFAIL")
    assert await answered_by(split, "www.example.test.") == "192.0.2.31"
    assert servers["office"].queries == [] and servers["lab"].queries == []
