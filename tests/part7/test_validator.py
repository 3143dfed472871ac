"""The validator on answers the lab does not serve: a DNAME, a stripped proof,
NSEC3 only. A small zone is signed here, trusted by its own DNSKEY (an anchor
need not be the root), and a scripted upstream serves it, or lies about it."""

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest

from part7_dnssec import Bogus, Security, SignedAuthority, Validator
from part7_dnssec.signing import make_key, sign

ZONE = """
$ORIGIN zone.example.
$TTL 300
@       SOA  ns hostmaster 1 7200 900 1209600 60
        NS   ns
ns      A    192.0.2.1
old     DNAME new
www.new A    192.0.2.2
*.wild  A    192.0.2.3
"""
SRC = ("127.0.0.1", 5300)


@pytest.fixture(scope="module")
def signed():
    zone = dns.zone.from_text(ZONE, relativize=False)
    key = make_key()
    sign(zone, key)
    anchors = {zone.origin: zone.get_rdataset(zone.origin, dns.rdatatype.DNSKEY)}
    return zone, anchors


class Upstream:
    """Serves the signed zone; `edit(reply)` may change a reply before it is sent."""

    def __init__(self, zone, edit=None):
        self.authority = SignedAuthority([zone])
        self.edit = edit

    async def __call__(self, query, *, src, dst):
        reply = await self.authority(query, src=src, dst=dst)
        if self.edit is not None and query.question[0].rdtype not in (
                dns.rdatatype.DNSKEY, dns.rdatatype.DS):
            self.edit(reply)
        return reply


async def judged(validator, name, rdtype="A"):
    answer = await validator.ask(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))
    return await validator.judge(dns.name.from_text(name), dns.rdatatype.from_text(rdtype),
                                 answer)


async def test_a_cname_made_from_a_signed_dname_is_secure(signed):
    zone, anchors = signed
    upstream = Upstream(zone)

    async def with_dname(query, *, src, dst):
        name = query.question[0].name
        if name == dns.name.from_text("www.old.zone.example."):
            dname = await upstream(dns.message.make_query("old.zone.example.", "DNAME",
                                                          want_dnssec=True), src=src, dst=dst)
            target = await upstream(dns.message.make_query("www.new.zone.example.", "A",
                                                           want_dnssec=True), src=src, dst=dst)
            reply = dns.message.make_response(query)
            reply.answer = [*dname.answer, dns.rrset.from_text(
                name, 300, "IN", "CNAME", "www.new.zone.example."), *target.answer]
            return reply
        return await upstream(query, src=src, dst=dst)

    assert await judged(Validator(with_dname, anchors), "www.old.zone.example.") is Security.SECURE


async def test_an_anchor_may_be_a_dnskey_of_any_zone(signed):
    zone, anchors = signed
    assert await judged(Validator(Upstream(zone), anchors), "www.new.zone.example.") \
        is Security.SECURE
    assert await judged(Validator(Upstream(zone), anchors), "nope.zone.example.") \
        is Security.SECURE


async def test_a_wildcard_answer_without_its_nsec_is_bogus(signed):
    zone, anchors = signed

    def strip(reply):
        reply.authority = []

    with pytest.raises(Bogus) as bogus:
        await judged(Validator(Upstream(zone, strip), anchors), "x.wild.zone.example.")
    assert "wildcard" in bogus.value.why


async def test_an_nxdomain_whose_nsec_records_were_stripped_is_bogus(signed):
    zone, anchors = signed

    def keep_the_soa_only(reply):
        reply.authority = [rrset for rrset in reply.authority
                           if dns.rdatatype.SOA in (rrset.rdtype, rrset.covers)]

    with pytest.raises(Bogus):
        await judged(Validator(Upstream(zone, keep_the_soa_only), anchors), "nope.zone.example.")


async def test_a_denial_by_nsec3_alone_is_indeterminate_and_gets_no_ad(signed):
    zone, anchors = signed

    def nsec3_instead(reply):
        reply.authority = [dns.rrset.from_text(
            "2vptu5timamqttgl4luu9kg21e0aor3s.zone.example.", 300, "IN", "NSEC3",
            "1 0 0 - 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3T A RRSIG")]

    validator = Validator(Upstream(zone, nsec3_instead), anchors)
    assert await judged(validator, "nope.zone.example.") is Security.INDETERMINATE
    reply = await validator(dns.message.make_query("nope.zone.example.", "A", want_dnssec=True),
                            src=SRC, dst=SRC)
    assert reply.rcode() == dns.rcode.NXDOMAIN and not reply.flags & dns.flags.AD


async def test_no_anchor_above_the_name_means_insecure(signed):
    zone, anchors = signed
    other = {dns.name.from_text("elsewhere.example."): next(iter(anchors.values()))}
    assert await judged(Validator(Upstream(zone), other), "www.new.zone.example.") \
        is Security.INSECURE
