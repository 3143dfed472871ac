"""Grading: part 2, exercise 1 (exercises/part2/second_zone.py and zones/shop.test.zone)."""

import dns.asyncquery
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from part2_server.server import DnsServer

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


@pytest.fixture
def processor(exercise):
    return exercise("part2/second_zone").build_processor()


async def ask(processor, name, rdtype="A"):
    reply = await processor(dns.message.make_query(name, rdtype), src=SRC, dst=DST)
    assert reply is not None, f"{name} {rdtype}: not answered from any zone"
    return reply


def values(reply, rdtype="A"):
    return sorted(rdata.to_text() for rrset in reply.answer if rrset.rdtype ==
                  dns.rdatatype.from_text(rdtype) for rdata in rrset)


async def test_both_zones_are_served(processor):
    origins = sorted(str(zone.origin) for zone in processor.zones)
    assert origins == ["example.test.", "shop.test."]
    assert values(await ask(processor, "mail.example.test")) == ["192.0.2.25"]


async def test_the_apex_and_www(processor):
    assert values(await ask(processor, "shop.test")) == ["192.0.2.80"]
    assert values(await ask(processor, "www.shop.test")) == ["192.0.2.80"]
    assert values(await ask(processor, "www.shop.test", "AAAA"), "AAAA") == ["2001:db8::80"]


async def test_mail_goes_to_mail_shop_test(processor):
    reply = await ask(processor, "shop.test", "MX")
    assert values(reply, "MX") == ["10 mail.shop.test."]
    # part 2 adds the exchange's address (RFC 1035 s3.3.9): it must exist
    assert [rrset.to_text() for rrset in reply.additional] == [
        "mail.shop.test. 3600 IN A 192.0.2.25"]


@pytest.mark.parametrize("name", ["tuesday.shop.test", "a.b.shop.test", "TUESDAY.Shop.Test"])
async def test_any_other_name_has_the_wildcard_address(processor, name):
    reply = await ask(processor, name)
    assert reply.rcode() == dns.rcode.NOERROR and reply.flags & dns.flags.AA
    assert values(reply) == ["192.0.2.81"]
    assert reply.answer[0].name == dns.name.from_text(name)   # synthesised for the asked name


async def test_the_wildcard_does_not_cover_existing_names(processor):
    reply = await ask(processor, "www.shop.test", "MX")
    assert reply.rcode() == dns.rcode.NOERROR and reply.answer == []   # NODATA
    assert values(await ask(processor, "mail.shop.test")) == ["192.0.2.25"]


async def test_served_over_the_network(processor):
    async with DnsServer(processor) as server:
        await server.start("127.0.0.1", 0)
        query = dns.message.make_query("whatever.shop.test", "A")
        reply = await dns.asyncquery.udp(query, "127.0.0.1", port=server.port, timeout=2)
    assert values(reply) == ["192.0.2.81"]
