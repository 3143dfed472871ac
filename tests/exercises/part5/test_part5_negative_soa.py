"""Grading: part 5, exercise 2 (exercises/part5/negative_soa.py)."""

import dns.message
import dns.rcode
import dns.rrset
import pytest

from part5_checkup import Context


def nxdomain(zone="invalid.", ttl=300, minimum=60, soa=True, rcode=dns.rcode.NXDOMAIN):
    """A fake resolver's handler: every name gets `rcode`, with or without an SOA."""

    def handler(query):
        reply = dns.message.make_response(query)
        reply.set_rcode(rcode)
        if soa:
            reply.authority = [dns.rrset.from_text(
                zone, ttl, "IN", "SOA", f"ns.{zone} hostmaster.{zone} 1 3600 600 86400 {minimum}")]
        return reply

    return handler


@pytest.fixture
def check(exercise):
    return exercise("part5/negative_soa").negative_answers_carry_soa


async def grade(check, fake):
    result = await check(Context(fake.address, timeout=2.0))
    return result.grade.value, result


async def test_nxdomain_with_its_soa_passes(check, fake_upstream):
    fake_upstream.script(None, None, handler=nxdomain(ttl=300, minimum=60))
    grade_, result = await grade(check, fake_upstream)
    assert grade_ == "PASS"
    assert "invalid." in result.evidence
    assert result.figures == {"negative_ttl": 60}  # min(TTL 300, MINIMUM 60)
    assert len(fake_upstream.queries) == 3
    assert len({query.name for query in fake_upstream.queries}) == 3  # three random names


async def test_the_negative_ttl_is_the_smaller_of_the_two(check, fake_upstream):
    fake_upstream.script(None, None, handler=nxdomain(ttl=30, minimum=900))
    assert (await grade(check, fake_upstream))[1].figures == {"negative_ttl": 30}


async def test_nxdomain_without_an_soa_fails(check, fake_upstream):
    fake_upstream.script(None, None, handler=nxdomain(soa=False))
    grade_, result = await grade(check, fake_upstream)
    assert grade_ == "FAIL" and "SOA" in result.evidence


async def test_the_soa_of_another_zone_fails(check, fake_upstream):
    fake_upstream.script(None, None, handler=nxdomain(zone="example.test."))
    grade_, result = await grade(check, fake_upstream)
    assert grade_ == "FAIL" and "example.test." in result.evidence


async def test_anything_but_nxdomain_fails(check, fake_upstream):
    fake_upstream.script(None, None, handler=nxdomain(rcode=dns.rcode.SERVFAIL))
    grade_, result = await grade(check, fake_upstream)
    assert grade_ == "FAIL" and "SERVFAIL" in result.evidence


async def test_silence_fails(check, fake_upstream):
    fake_upstream.script(None, None, drop=True)
    grade_, result = await grade(check, fake_upstream)
    assert grade_ == "FAIL" and "timed out" in result.evidence
