"""ZoneProcessor: choosing the zone, building the reply, swapping zones."""

from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

from part2_server.authority import ZoneProcessor
from part2_server.zones import load_zones

ZONES = Path(__file__).resolve().parents[2] / "zones"
CLIENT, SERVER = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


def zone(origin: str, serial: int = 1, extra: str = "") -> dns.zone.Zone:
    text = f"$TTL 3600\n@ SOA ns1 hm {serial} 2 3 4 300\n@ NS ns1\nns1 A 192.0.2.1\n{extra}"
    return dns.zone.from_text(text, origin=origin, relativize=False)


async def ask(processor, qname, qtype="A", **kwargs):
    query = dns.message.make_query(qname, qtype, **kwargs)
    return query, await processor(query, src=CLIENT, dst=SERVER)


@pytest.fixture
def shipped():
    return ZoneProcessor(load_zones([ZONES / "example.test.zone", ZONES / "hostile.test.zone"]))


async def test_the_reply_is_authoritative_and_echoes_the_question(shipped):
    query, reply = await ask(shipped, "WWW.Example.TEST.", "A")
    assert reply.id == query.id
    assert reply.question[0].name.to_text() == "WWW.Example.TEST."   # the asker's case
    assert reply.flags & dns.flags.QR and reply.flags & dns.flags.AA
    assert reply.flags & dns.flags.RD            # echoed from the query
    assert not reply.flags & dns.flags.RA        # no recursion here
    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.CNAME, dns.rdatatype.A]


async def test_rd_is_echoed_even_when_clear(shipped):
    query = dns.message.make_query("example.test.", "A")
    query.flags &= ~dns.flags.RD
    reply = await shipped(query, src=CLIENT, dst=SERVER)
    assert not reply.flags & dns.flags.RD


async def test_nxdomain_and_referral_flags(shipped):
    _, reply = await ask(shipped, "nothere.example.test.")
    assert reply.rcode() == dns.rcode.NXDOMAIN and reply.flags & dns.flags.AA
    assert reply.authority[0].rdtype == dns.rdatatype.SOA
    _, reply = await ask(shipped, "www.lab.example.test.")
    assert reply.rcode() == dns.rcode.NOERROR and not reply.flags & dns.flags.AA
    assert reply.authority[0].rdtype == dns.rdatatype.NS
    assert reply.additional[0].name == dns.name.from_text("ns1.lab.example.test.")


@pytest.mark.parametrize("qname", ["elsewhere.invalid.", "test.", "."])
async def test_a_name_in_no_zone_is_none_of_its_business(shipped, qname):
    _, reply = await ask(shipped, qname)
    assert reply is None


@pytest.mark.parametrize("rdclass", ["CH", "HS", "ANY"])
async def test_a_class_other_than_in_is_none_of_its_business(shipped, rdclass):
    _, reply = await ask(shipped, "www.example.test.", "A", rdclass=rdclass)
    assert reply is None


async def test_the_most_specific_zone_answers():
    processor = ZoneProcessor([zone("home.test."), zone("lab.home.test.", serial=7)])
    _, reply = await ask(processor, "missing.lab.home.test.")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert reply.authority[0].name == dns.name.from_text("lab.home.test.")
    assert reply.authority[0][0].serial == 7


async def test_the_ds_of_a_child_apex_comes_from_its_parent_when_we_have_it():
    # RFC 4035 s3.1.4.1: the DS RRset exists only on the parent side.
    ds = "lab NS ns1.lab\nlab DS 12345 13 2 " + "ab" * 32 + "\nns1.lab A 192.0.2.53\n"
    parent, child = zone("home.test.", extra=ds), zone("lab.home.test.", serial=7)
    _, reply = await ask(ZoneProcessor([parent, child]), "lab.home.test.", "DS")
    assert reply.flags & dns.flags.AA
    assert reply.answer[0].rdtype == dns.rdatatype.DS
    # Without the parent, the child says it has no DS (NODATA, its own SOA).
    _, reply = await ask(ZoneProcessor([child]), "lab.home.test.", "DS")
    assert reply.rcode() == dns.rcode.NOERROR and not reply.answer
    assert reply.authority[0][0].serial == 7


async def test_replace_swaps_the_zones():
    processor = ZoneProcessor([zone("home.test.", serial=1)])
    new = [zone("home.test.", serial=2, extra="nas A 192.0.2.30\n"), zone("lab.test.")]
    processor.replace(new)
    assert processor.zones == new
    _, reply = await ask(processor, "nas.home.test.")
    assert reply.answer[0][0].address == "192.0.2.30"
    _, reply = await ask(processor, "lab.test.", "SOA")
    assert reply.answer[0][0].serial == 1


async def test_replace_with_no_zones_serves_nothing():
    processor = ZoneProcessor([zone("home.test.")])
    processor.replace([])
    assert processor.zones == []
    assert (await ask(processor, "home.test.", "SOA"))[1] is None


def test_the_same_origin_twice_is_refused():
    with pytest.raises(ValueError, match=r"home\.test\. given twice"):
        ZoneProcessor([zone("home.test."), zone("home.test.")])
