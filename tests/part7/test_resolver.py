"""The validating resolver as a client sees it: AD, SERVFAIL with a reason,
CD=1, and verdicts cached with the answers."""

import logging

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from lab.signed import EXPIRED, FORGED_ADDRESS, TAMPERED
from part3_forwarder import Forwarder, parse_upstream
from part4_cache import build_caching_resolver
from part7_dnssec import ValidatingSettings, Validator, load_anchors
from tests.dnstest.clock import FakeClock

from .running import validating_resolver

SRC = ("127.0.0.1", 5300)
DST = ("127.0.0.1", 8053)


def query(name, rdtype="A", *, do=False, ad=False, cd=False, edns=True):
    flags = dns.flags.RD | (dns.flags.AD if ad else 0) | (dns.flags.CD if cd else 0)
    return dns.message.make_query(name, rdtype, want_dnssec=do, use_edns=0 if edns else False,
                                  flags=flags)


@pytest.fixture(scope="module")
def server(signed_lab):
    with validating_resolver(signed_lab) as address:
        yield address


def over_udp(server, message):
    return dns.query.udp(message, server[0], port=server[1], timeout=5)


@pytest.mark.parametrize(("do", "ad", "authentic"), [
    (True, False, True), (False, True, True), (False, False, False)])
def test_ad_only_for_a_client_that_asks_with_do_or_ad(server, do, ad, authentic):
    # Asked twice: the second reply is a cache hit, made from bytes.
    for _ in range(2):
        reply = over_udp(server, query("www.example.test.", do=do, ad=ad))
        assert reply.rcode() == dns.rcode.NOERROR
        assert bool(reply.flags & dns.flags.AD) == authentic


def test_signatures_go_only_to_a_client_that_set_do(server):
    with_do = over_udp(server, query("www.dnssec.test.", do=True))
    without = over_udp(server, query("www.dnssec.test.", ad=True))
    assert any(rrset.rdtype == dns.rdatatype.RRSIG for rrset in with_do.answer)
    assert [rrset.rdtype for rrset in without.answer] == [dns.rdatatype.A]
    assert without.flags & dns.flags.AD


def test_bogus_is_servfail_with_an_extended_error(server):
    reply = over_udp(server, query(EXPIRED, ad=True))
    assert reply.rcode() == dns.rcode.SERVFAIL
    [error] = [option for option in reply.options if option.otype == dns.edns.OptionType.EDE]
    assert error.code == 7 and "expired" in error.text   # Signature Expired


def test_cd_gets_the_bogus_data_unvalidated(server):
    assert over_udp(server, query(TAMPERED)).rcode() == dns.rcode.SERVFAIL   # now cached
    reply = over_udp(server, query(TAMPERED, cd=True))
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer[0][0].address == FORGED_ADDRESS
    assert not reply.flags & dns.flags.AD
    assert reply.flags & dns.flags.CD


class Counting:
    """A processor that counts the questions it is asked, then asks `inner`."""

    def __init__(self, inner):
        self.inner = inner
        self.asked = []

    async def __call__(self, query, *, src, dst):
        self.asked.append(query.question[0].name.to_text())
        return await self.inner(query, src=src, dst=dst)


@pytest.fixture
def counted(signed_lab):
    """(the caching resolver's processor, the validator's upstream counter, the clock)."""
    clock = FakeClock()
    host, port = signed_lab.upstream
    settings = ValidatingSettings(upstreams=[f"{host}:{port}"])
    upstream = Counting(Forwarder([parse_upstream(f"{host}:{port}")]))
    validator = Validator(upstream, load_anchors(str(signed_lab.trust_anchor)))
    caching = build_caching_resolver(settings, clock=clock, outward=validator)
    return caching.processor, upstream, clock


async def test_a_hit_is_not_validated_again(counted):
    processor, upstream, _ = counted
    first = await processor(query("www.dnssec.test.", ad=True), src=SRC, dst=DST)
    asked = len(upstream.asked)
    assert asked >= 5   # the answer, then DNSKEY . and the DS and DNSKEY of each zone down
    second = await processor(query("www.dnssec.test.", ad=True), src=SRC, dst=DST)
    assert len(upstream.asked) == asked
    assert first.flags & dns.flags.AD and second.flags & dns.flags.AD


async def test_keys_are_fetched_once_per_zone(counted):
    processor, upstream, _ = counted
    await processor(query("www.dnssec.test."), src=SRC, dst=DST)
    before = len(upstream.asked)
    await processor(query("alias.dnssec.test."), src=SRC, dst=DST)
    assert upstream.asked[before:] == ["alias.dnssec.test."]   # no DS, no DNSKEY again


async def test_a_bogus_answer_is_remembered_for_the_failure_ttl(counted, caplog):
    processor, upstream, clock = counted
    with caplog.at_level(logging.WARNING, logger="part7_dnssec"):
        reply = await processor(query(TAMPERED), src=SRC, dst=DST)
    assert reply.rcode() == dns.rcode.SERVFAIL
    [line] = [record.getMessage() for record in caplog.records]
    # the question, the RRset that failed, and why
    assert line.startswith(f"bogus answer for {TAMPERED} A: {TAMPERED} A: signature does not match")
    asked = upstream.asked.count(TAMPERED)
    clock.advance(4)   # RFC 9520: at least 1 s; part 4 keeps failures 5 s
    assert (await processor(query(TAMPERED), src=SRC, dst=DST)).rcode() == dns.rcode.SERVFAIL
    assert upstream.asked.count(TAMPERED) == asked
    clock.advance(2)
    await processor(query(TAMPERED), src=SRC, dst=DST)
    assert upstream.asked.count(TAMPERED) == asked + 1


async def test_without_an_anchor_nothing_is_validated(signed_lab):
    host, port = signed_lab.upstream
    from part7_dnssec import build_validating_resolver
    caching = build_validating_resolver(ValidatingSettings(upstreams=[f"{host}:{port}"]))
    reply = await caching.processor(query(TAMPERED, ad=True), src=SRC, dst=DST)
    assert reply.rcode() == dns.rcode.NOERROR and not reply.flags & dns.flags.AD
