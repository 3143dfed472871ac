"""resolve() returns the whole reply; gethostbyname() the addresses at the end of the chain."""

import dns.message
import dns.rcode
import dns.rdatatype
import pytest
from dnstest.fake_server import parse_rrs

from part1_client import (
    NegativeAnswer,
    gethostbyname,
    gethostbyname_async,
    resolve,
    resolve_async,
)
from part1_client.resolve import addresses_in, run_sync

CHAIN = (
    "alias.example. 300 IN CNAME middle.example.",
    "middle.example. 300 IN CNAME www.example.",
    "www.example. 300 IN A 127.0.0.5",
    "www.example. 300 IN A 127.0.0.6",
)


def reply_with(*lines, name="alias.example.", rdtype="A"):
    reply = dns.message.make_response(dns.message.make_query(name, rdtype))
    reply.answer = parse_rrs(lines)
    return reply


def test_addresses_follow_the_chain():
    assert addresses_in(reply_with(*CHAIN), "alias.example.") == ["127.0.0.5", "127.0.0.6"]


def test_addresses_ignore_records_off_the_chain():
    reply = reply_with("alias.example. 300 IN CNAME www.example.",
                       "elsewhere.example. 300 IN A 192.0.2.1")
    assert addresses_in(reply, "alias.example.") == []


def test_addresses_are_case_insensitive():
    reply = reply_with("WWW.Example. 300 IN A 127.0.0.5", name="www.example.")
    assert addresses_in(reply, "www.EXAMPLE.") == ["127.0.0.5"]


def test_a_cname_loop_ends():
    reply = reply_with("a.example. 300 IN CNAME b.example.",
                       "b.example. 300 IN CNAME a.example.", name="a.example.")
    assert addresses_in(reply, "a.example.") == []


async def test_resolve_async_returns_the_whole_reply(fake_upstream):
    fake_upstream.answer("alias.example.", "A", *CHAIN,
                         authority=["example. 300 IN NS ns.example."])
    reply = await resolve_async("alias.example.", server=fake_upstream.host,
                                port=fake_upstream.port)
    assert len(reply.answer) == 3
    assert str(reply.authority[0].name) == "example."
    assert fake_upstream.queries[0].message.question[0].rdtype == dns.rdatatype.A


async def test_gethostbyname_async_follows_the_chain(fake_upstream):
    fake_upstream.answer("alias.example.", "A", *CHAIN)
    addresses = await gethostbyname_async("alias.example.", server=fake_upstream.host,
                                          port=fake_upstream.port)
    assert addresses == ["127.0.0.5", "127.0.0.6"]


async def test_gethostbyname_aaaa(fake_upstream):
    fake_upstream.answer("www.example.", "AAAA", "www.example. 300 IN AAAA ::5")
    addresses = await gethostbyname_async("www.example.", rdtype="AAAA",
                                          server=fake_upstream.host, port=fake_upstream.port)
    assert addresses == ["::5"]
    assert fake_upstream.queries[0].rdtype == dns.rdatatype.AAAA


async def test_gethostbyname_nodata_is_an_empty_list(fake_upstream):
    fake_upstream.nodata("www.example.", "A")
    assert await gethostbyname_async("www.example.", server=fake_upstream.host,
                                     port=fake_upstream.port) == []


@pytest.mark.parametrize(("script", "rcode"), [
    (lambda fake: fake.nxdomain("www.example."), dns.rcode.NXDOMAIN),
    (lambda fake: fake.rcode("www.example.", "A", "SERVFAIL"), dns.rcode.SERVFAIL),
])
async def test_gethostbyname_error_rcodes_raise(fake_upstream, script, rcode):
    script(fake_upstream)
    with pytest.raises(NegativeAnswer, match=dns.rcode.to_text(rcode)) as caught:
        await gethostbyname_async("www.example.", server=fake_upstream.host,
                                  port=fake_upstream.port)
    assert caught.value.rcode == rcode


def test_sync_forms(fake_upstream_thread):
    fake = fake_upstream_thread
    fake.answer("alias.example.", "A", *CHAIN)
    assert gethostbyname("alias.example.", server=fake.host, port=fake.port) == [
        "127.0.0.5", "127.0.0.6"]
    reply = resolve("alias.example.", "A", server=fake.host, port=fake.port, tcp=True)
    assert len(reply.answer) == 3
    assert [q.transport for q in fake.queries] == ["udp", "tcp"]


async def test_sync_forms_work_inside_a_running_loop(fake_upstream_thread):
    # As in a notebook cell: an event loop is already running in this thread.
    fake = fake_upstream_thread
    fake.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.5")
    assert gethostbyname("www.example.", server=fake.host, port=fake.port) == ["127.0.0.5"]


def test_run_sync_returns_the_result_and_raises_errors():
    async def answer():
        return 42

    async def fail():
        raise NegativeAnswer("nope", 3)

    assert run_sync(answer()) == 42
    with pytest.raises(NegativeAnswer):
        run_sync(fail())
