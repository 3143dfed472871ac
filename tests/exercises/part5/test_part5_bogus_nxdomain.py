"""Grading: part 5, exercise 1 (exercises/part5/bogus_nxdomain.py)."""

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

from part5_checkup.lies import AD_SERVER, rewrite_nxdomain

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


async def provider(query, *, src, dst):
    """An honest resolver: www exists (an A and an AAAA), nothing else does."""
    reply = dns.message.make_response(query)
    reply.flags |= dns.flags.RA
    question = query.question[0]
    if question.name != dns.name.from_text("www.example.test."):
        reply.set_rcode(dns.rcode.NXDOMAIN)
        return reply
    data = {"A": "192.0.2.80", "AAAA": "2001:db8::80"}.get(dns.rdatatype.to_text(question.rdtype))
    if data:
        reply.answer = [dns.rrset.from_text(question.name, 300, "IN", question.rdtype, data)]
    return reply


async def nobody(query, *, src, dst):
    return None


@pytest.fixture
def module(exercise):
    return exercise("part5/bogus_nxdomain")


async def ask(processor, name, rdtype="A"):
    return await processor(dns.message.make_query(name, rdtype), src=SRC, dst=DST)


async def test_a_rewritten_nxdomain_is_nxdomain_again(module):
    lying = rewrite_nxdomain(provider)
    assert (await ask(lying, "nope.example.test.")).answer  # the lie, as the provider tells it
    reply = await ask(module.bogus_nxdomain(lying, [AD_SERVER]), "NoPe.example.test.")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert reply.answer == []
    assert reply.flags & dns.flags.RA
    assert reply.question[0].name.to_text() == "NoPe.example.test."


async def test_real_answers_pass_unchanged(module):
    filtered = module.bogus_nxdomain(rewrite_nxdomain(provider), [AD_SERVER])
    for rdtype, data in (("A", "192.0.2.80"), ("AAAA", "2001:db8::80")):
        reply = await ask(filtered, "www.example.test.", rdtype)
        assert reply.rcode() == dns.rcode.NOERROR
        assert [rdata.to_text() for rdata in reply.answer[0]] == [data]
    # an NXDOMAIN the provider did not rewrite stays what it is
    reply = await ask(module.bogus_nxdomain(provider, [AD_SERVER]), "nope.example.test.")
    assert reply.rcode() == dns.rcode.NXDOMAIN


@pytest.mark.parametrize("bogus", ["192.0.2.0/24", "192.0.2.80/32", "2001:db8::/32"])
async def test_networks_and_ipv6(module, bogus):
    filtered = module.bogus_nxdomain(provider, [bogus])
    rdtype = "AAAA" if ":" in bogus else "A"
    reply = await ask(filtered, "www.example.test.", rdtype)
    assert reply.rcode() == dns.rcode.NXDOMAIN and reply.answer == []


async def test_an_address_outside_the_networks_is_kept(module):
    filtered = module.bogus_nxdomain(provider, ["192.0.2.128/25", "198.51.100.80"])
    reply = await ask(filtered, "www.example.test.")
    assert reply.rcode() == dns.rcode.NOERROR and reply.answer


async def test_none_stays_none(module):
    assert await ask(module.bogus_nxdomain(nobody, [AD_SERVER]), "www.example.test.") is None


def test_a_bad_address_is_refused_when_the_filter_is_made(module):
    with pytest.raises(ValueError):
        module.bogus_nxdomain(provider, ["192.0.2.300"])
