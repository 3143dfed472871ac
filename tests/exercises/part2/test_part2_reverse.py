"""Grading: part 2, exercise 3 (exercises/part2/reverse.py)."""

from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.reversename
import pytest

from part2_server.zones import load_zone

EXAMPLE_ZONE = Path(__file__).resolve().parents[3] / "zones" / "example.test.zone"
SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)

# A second zone that shares an address with example.test (nas), has a
# wildcard, and a name with a longer TTL for the same address.
OTHER_ZONE = """$ORIGIN other.test.
$TTL 3600
@        SOA ns1.example.test. hostmaster.example.test. 1 7200 900 1209600 300
@        NS  ns1.example.test.
files    A   192.0.2.30
*        A   192.0.2.77
"""


@pytest.fixture
def processor(exercise, tmp_path):
    other = tmp_path / "other.test.zone"
    other.write_text(OTHER_ZONE)
    zones = [load_zone(EXAMPLE_ZONE), load_zone(other)]
    return exercise("part2/reverse").ReverseProcessor(zones)


async def ask(processor, name, rdtype="PTR"):
    return await processor(dns.message.make_query(name, rdtype), src=SRC, dst=DST)


def reverse(address: str) -> str:
    return dns.reversename.from_address(address).to_text()


async def test_ptr_for_an_ipv4_address(processor):
    reply = await ask(processor, "31.2.0.192.in-addr.arpa.")
    assert reply.rcode() == dns.rcode.NOERROR and reply.flags & dns.flags.AA
    assert [rrset.to_text() for rrset in reply.answer] == [
        "31.2.0.192.in-addr.arpa. 300 IN PTR printer.example.test."]


async def test_ptr_for_an_ipv6_address(processor):
    reply = await ask(processor, reverse("2001:db8::25"))
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["mail.example.test."]
    assert reply.answer[0].ttl == 3600


async def test_the_apex_has_a_reverse_too(processor):
    reply = await ask(processor, reverse("192.0.2.10"))
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["example.test."]


async def test_every_name_of_a_shared_address_with_the_smallest_ttl(processor):
    reply = await ask(processor, reverse("192.0.2.30"))
    (rrset,) = reply.answer
    names = [rdata.target for rdata in rrset]
    assert names == sorted(dns.name.from_text(n) for n in ("files.other.test.",
                                                           "nas.example.test."))
    assert rrset.ttl == 300     # nas has 300, files 3600


async def test_unknown_addresses_do_not_exist(processor):
    reply = await ask(processor, reverse("192.0.2.99"))
    assert reply.rcode() == dns.rcode.NXDOMAIN and reply.answer == []
    reply = await ask(processor, "2.0.192.in-addr.arpa.")
    assert reply.rcode() == dns.rcode.NXDOMAIN


async def test_glue_and_wildcards_are_left_out(processor):
    glue = await ask(processor, reverse("192.0.2.53"))     # ns1.lab, below the lab cut
    wildcard = await ask(processor, reverse("192.0.2.77"))  # *.other.test
    assert glue.rcode() == dns.rcode.NXDOMAIN
    assert wildcard.rcode() == dns.rcode.NXDOMAIN


async def test_other_types_at_a_reverse_name_get_nodata(processor):
    reply = await ask(processor, reverse("192.0.2.31"), "TXT")
    assert reply.rcode() == dns.rcode.NOERROR and reply.answer == []


async def test_letter_case_does_not_matter(processor):
    reply = await ask(processor, "31.2.0.192.IN-ADDR.Arpa.")
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["printer.example.test."]


async def test_forward_names_are_not_our_business(processor):
    assert await ask(processor, "nas.example.test.", "A") is None
    assert await ask(processor, "arpa.", "SOA") is None
