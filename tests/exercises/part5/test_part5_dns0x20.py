"""Grading: part 5, exercise 3 (exercises/part5/dns0x20.py)."""

import contextlib

import dns.message
import dns.name
import dns.rcode
import dns.rrset
import pytest
from dnstest.fake_server import FakeDnsServer

from part3_forwarder import Upstream

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)
NAME = "www.example.test."


def lowercasing(query):
    """A server (or a forger) that does not copy the question's spelling."""
    reply = dns.message.make_response(query)
    question = query.question[0]
    reply.question = [dns.rrset.RRset(dns.name.from_text(question.name.to_text().lower()),
                                      question.rdclass, question.rdtype)]
    reply.answer = [dns.rrset.from_text(question.name, 300, "IN", "A", "192.0.2.66")]
    return reply


@pytest.fixture
def module(exercise):
    return exercise("part5/dns0x20")


@pytest.fixture
async def servers():
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(FakeDnsServer()) for _ in range(2)]


def forwarder(module, *upstreams):
    return module.CaseRandomizingForwarder(
        [Upstream(server.host, server.port) for server in upstreams], timeout=1.5)


async def ask(processor, name=NAME, rdtype="A"):
    return await processor(dns.message.make_query(name, rdtype), src=SRC, dst=DST)


async def test_the_case_is_mixed_upstream(module, fake_upstream):
    fake_upstream.records(f"{NAME} 300 IN A 192.0.2.80")
    resolver = forwarder(module, fake_upstream)
    for _ in range(12):
        reply = await ask(resolver)
        assert [rdata.to_text() for rdata in reply.answer[0]] == ["192.0.2.80"]
    spellings = {query.name.to_text() for query in fake_upstream.queries}
    assert all(spelling.lower() == NAME for spelling in spellings)
    assert len(spellings) > 6  # chance alone repeats a few of 2**13 spellings, not half


async def test_the_client_gets_its_own_spelling_back(module, fake_upstream):
    fake_upstream.records(f"{NAME} 300 IN A 192.0.2.80")
    reply = await ask(forwarder(module, fake_upstream), "WWW.example.TEST.")
    assert reply.question[0].name.to_text() == "WWW.example.TEST."
    assert reply.rcode() == dns.rcode.NOERROR


async def test_nxdomain_is_relayed(module, fake_upstream):
    fake_upstream.nxdomain("nope.example.test.")
    reply = await ask(forwarder(module, fake_upstream), "nope.example.test.")
    assert reply.rcode() == dns.rcode.NXDOMAIN


async def test_a_reply_spelled_otherwise_is_not_believed(module, fake_upstream):
    fake_upstream.script(None, None, handler=lowercasing)
    reply = await ask(forwarder(module, fake_upstream))
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert reply.answer == []


async def test_the_next_upstream_is_asked(module, servers):
    mangler, honest = servers
    mangler.script(None, None, handler=lowercasing)
    honest.records(f"{NAME} 300 IN A 192.0.2.80")
    reply = await ask(forwarder(module, mangler, honest))
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["192.0.2.80"]
    assert len(mangler.queries) == 1 and len(honest.queries) == 1


async def test_silence_and_refusal_mean_the_next_upstream(module, servers):
    silent, refusing = servers
    silent.script(None, None, drop=True)
    refusing.rcode(None, None, "REFUSED")
    reply = await ask(forwarder(module, silent, refusing))
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert len(silent.queries) == 1 and len(refusing.queries) == 1
