"""Prepared answers (part2_server/prepared.py) against the lookup.

For every name in the shipped zones and the lab's, and the common types and
every type the zones hold (plus a few more), each question is asked the slow
way (parse, lookup, render), which prepares its answer, and then the fast
way: `fast_path` must send exactly the bytes the slow path sends, in the
client's spelling of the name, with and without EDNS (DO set or not, small
and large payloads, a cookie), with RD and CD set or not, over UDP and TCP.

RRsets come out in the same order; the records inside one may not, because
dnspython shuffles them as it renders: the comparison allows for that.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import dns.asyncquery
import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rdatatype
import dns.zone
import pytest

from part1_client.sizes import EDNS_PAYLOAD
from part2_server import DnsServer
from part2_server.lookup import existing_names
from part2_server.prepared import PreparedZones
from part2_server.protocol import respond
from part2_server.zones import load_zones

ROOT = Path(__file__).resolve().parents[2]
ZONE_SETS = {
    "zones": sorted((ROOT / "zones").glob("*.zone")),
    "lab": sorted((ROOT / "lab" / "zones").glob("*.zone")),
}
CLIENT, SERVER = ("127.0.0.1", 40000), ("127.0.0.1", 8053)
EXTRA_TYPES = (dns.rdatatype.NAPTR, dns.rdatatype.TLSA, dns.rdatatype.from_text("TYPE65000"))
COMMON_TYPES = {dns.rdatatype.from_text(text) for text in
                "A AAAA NS SOA CNAME MX TXT PTR SRV CAA DS DNSKEY SVCB HTTPS ANY".split()}


def types_asked(zone: dns.zone.Zone) -> list[dns.rdatatype.RdataType]:
    """The common types, and every type the zone holds."""
    held = {rdataset.rdtype for node in zone.nodes.values() for rdataset in node}
    return sorted(COMMON_TYPES | held)


def assert_same_reply(fast: bytes, slow: bytes, case) -> None:
    """The same bytes but for the order of records within an RRset, which
    dnspython shuffles as it renders (want_shuffle): same header, same
    question in the same spelling, same length, same records and TTLs."""
    assert fast[:12] == slow[:12] and len(fast) == len(slow), case
    mine, theirs = dns.message.from_wire(fast), dns.message.from_wire(slow)
    assert mine == theirs, case
    assert [str(question.name) for question in mine.question] == [
        str(question.name) for question in theirs.question], case
    assert mine.edns == theirs.edns and mine.ednsflags == theirs.ednsflags, case
    assert mine.payload == theirs.payload, case
    for ours, its in zip(mine.sections, theirs.sections, strict=True):
        assert [(rrset.name.to_text(), rrset.ttl) for rrset in ours] == [
            (rrset.name.to_text(), rrset.ttl) for rrset in its], case


def spellings(name: dns.name.Name, chooser: random.Random) -> list[dns.name.Name]:
    """The name as stored, and in capitals or in a random mix of cases."""
    text = name.to_text()
    mixed = "".join(c.upper() if chooser.random() < 0.5 else c.lower() for c in text)
    return [name, dns.name.from_text(chooser.choice([text.upper(), mixed]))]


def variants(name: dns.name.Name, rdtype, chooser: random.Random):
    """(query bytes, udp) pairs: two spellings, each with its own EDNS and flags."""
    cookie = dns.edns.GenericOption(dns.edns.OptionType.COOKIE, bytes(range(8)))
    editions = [
        dict(use_edns=False),
        dict(use_edns=0, payload=1232),
        dict(use_edns=0, want_dnssec=True, payload=4096),
        dict(use_edns=0, payload=512),
        dict(use_edns=0, options=[cookie]),
    ]
    for spelling in spellings(name, chooser):
        query = dns.message.make_query(spelling, rdtype, **chooser.choice(editions))
        query.flags = chooser.choice([0, dns.flags.RD, dns.flags.CD, dns.flags.RD | dns.flags.CD])
        yield query.to_wire(), chooser.random() < 0.7


@pytest.mark.parametrize("zone_set", sorted(ZONE_SETS))
async def test_fast_path_sends_the_bytes_the_lookup_sends(zone_set):
    zones = load_zones(ZONE_SETS[zone_set])
    processor = PreparedZones(zones)
    chooser = random.Random(zone_set)
    answered = compared = 0
    for zone in zones:
        # Existing names, names only a wildcard covers, names that do not exist.
        names = sorted(existing_names(zone)) + [
            dns.name.from_text("no-such-name", zone.origin),
            dns.name.from_text("deeper.no-such-name", zone.origin),
        ] + [dns.name.from_text("anything", name.parent()) for name in zone.nodes
             if name.labels[0] == b"*"]
        for name in names:
            for rdtype in types_asked(zone) + list(EXTRA_TYPES):
                for query, udp in variants(name, rdtype, chooser):
                    slow = await respond(query, processor, src=CLIENT, dst=SERVER, udp=udp)
                    fast = processor.fast_path(query, CLIENT, udp)
                    if fast is not None and udp and len(fast) > EDNS_PAYLOAD:
                        fast = None  # the server's UDP cap: it sends these the slow way
                    compared += 1
                    if fast is not None:
                        answered += 1
                        assert_same_reply(fast, slow, (zone_set, name, rdtype, udp))
    # Most questions are about names the zones hold, answered from the table.
    assert answered > compared / 2, (answered, compared)


async def test_every_name_the_zones_hold_is_answered_fast_once_asked():
    zones = load_zones(ZONE_SETS["zones"])
    processor = PreparedZones(zones)
    for zone in zones:
        for name in existing_names(zone):
            for rdtype in types_asked(zone):
                query = dns.message.make_query(name, rdtype).to_wire()
                assert processor.fast_path(query, CLIENT, False) is None   # not yet asked
                await respond(query, processor, src=CLIENT, dst=SERVER, udp=False)
                assert processor.fast_path(query, CLIENT, False) is not None, (name, rdtype)


async def test_what_the_zones_do_not_hold_always_goes_the_slow_way():
    processor = PreparedZones(load_zones(ZONE_SETS["zones"]))
    for text in ["no-such-name.example.test.",   # NXDOMAIN
                 "www.elsewhere.test.",          # not our zone: REFUSED
                 "anything.wild.hostile.test."]:  # made up by a wildcard
        query = dns.message.make_query(text, "A").to_wire()
        for _ in range(2):
            await respond(query, processor, src=CLIENT, dst=SERVER, udp=True)
            assert processor.fast_path(query, CLIENT, True) is None, text
    # Anything unusual too: a response, another opcode, two questions.
    query = dns.message.make_query("www.example.test.", "A")
    query.flags |= dns.flags.QR
    assert processor.fast_path(query.to_wire(), CLIENT, True) is None
    query = dns.message.make_query("www.example.test.", "A")
    query.set_opcode(dns.opcode.NOTIFY)
    assert processor.fast_path(query.to_wire(), CLIENT, True) is None
    query = dns.message.make_query("www.example.test.", "A")
    query.question.append(query.question[0])
    assert processor.fast_path(query.to_wire(), CLIENT, True) is None


def zone_text(address: str) -> str:
    return ("$ORIGIN reload.test.\n$TTL 300\n@ SOA ns1 hm 1 2 3 4 300\n@ NS ns1\n"
            f"ns1 A 192.0.2.1\nwww A {address}\n")


async def test_a_reload_forgets_the_answers_of_the_old_zones(tmp_path):
    path = tmp_path / "reload.test.zone"
    path.write_text(zone_text("192.0.2.10"))
    processor = PreparedZones(load_zones([path]))
    query = dns.message.make_query("www.reload.test.", "A").to_wire()
    await respond(query, processor, src=CLIENT, dst=SERVER, udp=True)
    before = dns.message.from_wire(processor.fast_path(query, CLIENT, True))
    path.write_text(zone_text("192.0.2.20"))
    processor.replace(load_zones([path]))
    assert processor.fast_path(query, CLIENT, True) is None  # the old answer is gone
    await respond(query, processor, src=CLIENT, dst=SERVER, udp=True)
    after = dns.message.from_wire(processor.fast_path(query, CLIENT, True))
    assert before.answer[0][0].address == "192.0.2.10"
    assert after.answer[0][0].address == "192.0.2.20"


async def test_the_server_answers_from_the_table_over_udp_and_tcp():
    processor = PreparedZones(load_zones(ZONE_SETS["zones"]))
    async with DnsServer(processor, fast_path=processor.fast_path) as server:
        await server.start("127.0.0.1", 0)
        query = dns.message.make_query("WWW.example.TEST.", "A")
        for ask in (dns.asyncquery.udp, dns.asyncquery.tcp, dns.asyncquery.udp):
            reply = await asyncio.wait_for(ask(query, "127.0.0.1", port=server.port), 5)
            assert reply.question[0].name.to_text() == "WWW.example.TEST."
            assert reply.flags & dns.flags.AA
            assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.CNAME,
                                                                dns.rdatatype.A]
    assert processor.fast_path(query.to_wire(), CLIENT, True) is not None  # the table has it
