"""Ask nsd, knot and our server the same questions; expect the same answers.

The shipped zones (zones/example.test.zone and zones/hostile.test.zone) are
served by all three on loopback. Every case below is sent over UDP and over
TCP, and the replies are compared: rcode, the header flags (AA, TC, RD, RA)
and every record of the answer, authority and additional sections, TTLs
included. Order is ignored (RRsets have none) and so is the case of names
(RFC 4343).

Where the RFCs leave a choice and a peer chooses differently, the difference
is written down in ALLOWED_DIFFERENCES below with its reason, and only what
the RFCs do fix is compared.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import dns.asyncquery
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import pytest
from dnstest.peers import knot, nsd

from part2_server.authority import ZoneProcessor
from part2_server.server import DnsServer
from part2_server.zones import load_zones

ROOT = Path(__file__).resolve().parents[2]
ZONE_FILES = {
    "example.test.": ROOT / "zones" / "example.test.zone",
    "hostile.test.": ROOT / "zones" / "hostile.test.zone",
}
APEXES = {dns.name.from_text(origin) for origin in ZONE_FILES}


@dataclass(frozen=True)
class Case:
    qname: str
    qtype: str
    rule: str                 # what the case checks
    rdclass: str = "IN"
    edns: bool = True

    def __str__(self) -> str:
        extra = "" if self.rdclass == "IN" else f" {self.rdclass}"
        return f"{self.qname} {self.qtype}{extra}{'' if self.edns else ' no-EDNS'}"


CASES = [
    # example.test: the teaching zone
    Case("example.test.", "SOA", "exact match at the apex"),
    Case("example.test.", "NS", "apex NS with addresses in additional"),
    Case("example.test.", "A", "exact match"),
    Case("ExAmPlE.TeSt.", "AAAA", "exact match, query in mixed case"),
    Case("example.test.", "MX", "MX with the exchange's addresses in additional"),
    Case("example.test.", "TXT", "TXT"),
    Case("example.test.", "CAA", "NODATA at the apex"),
    Case("example.test.", "DS", "DS at an apex whose parent we do not serve"),
    Case("example.test.", "ANY", "ANY at the apex"),
    Case("www.example.test.", "A", "CNAME to the apex, followed"),
    Case("www.example.test.", "CNAME", "CNAME asked for: not followed"),
    Case("www.example.test.", "MX", "CNAME then MX with addresses"),
    Case("nas.example.test.", "AAAA", "NODATA"),
    Case("nothere.example.test.", "A", "NXDOMAIN, SOA TTL from MINIMUM"),
    Case("_sip._tcp.example.test.", "SRV", "SRV with the target's address"),
    Case("_tcp.example.test.", "A", "empty non-terminal"),
    Case("lab.example.test.", "A", "referral at the cut"),
    Case("lab.example.test.", "NS", "NS at the cut is a referral too"),
    Case("lab.example.test.", "DS", "DS at the cut: the parent answers"),
    Case("deep.lab.example.test.", "A", "referral below the cut"),
    Case("ns1.lab.example.test.", "A", "glue is not answered, it is referred"),
    # hostile.test: case, escapes and odd types
    Case("MIXED.case.hostile.test.", "A", "mixed case in the zone and the query"),
    Case("dot\\.inside.hostile.test.", "A", "a label containing a dot"),
    Case("sp\\032ace.hostile.test.", "A", "a label containing a blank"),
    Case("\\(paren\\).hostile.test.", "TXT", "a label with parentheses"),
    Case("bin\\000ary.hostile.test.", "A", "a label with a zero byte"),
    Case("txt.hostile.test.", "TXT", "TXT: several strings, quotes, semicolons"),
    Case("hostile.test.", "CAA", "CAA"),
    Case("unknown.hostile.test.", "TYPE65280", "an unknown type (RFC 3597)"),
    Case("unknown.hostile.test.", "A", "NODATA beside an unknown type"),
    Case("hostile.test.", "MX", "MX in and out of the zone"),
    Case("_sip._tcp.hostile.test.", "SRV", "SRV in and out of the zone"),
    Case("_sip._tcp.hostile.test.", "ANY", "ANY at a name with one RRset"),
    Case("hostile.test.", "ANY", "ANY at an apex with many RRsets"),
    Case("mail.hostile.test.", "ANY", "ANY at a name with A and AAAA"),
    Case("big.hostile.test.", "TXT", "large answer that fits with EDNS"),
    Case("big.hostile.test.", "TXT", "large answer over 512 bytes", edns=False),
    # CNAMEs
    Case("chain1.hostile.test.", "A", "CNAME chain of three"),
    Case("chain1.hostile.test.", "AAAA", "CNAME chain ending in AAAA"),
    Case("chain1.hostile.test.", "TXT", "CNAME chain ending in NODATA"),
    Case("chain1.hostile.test.", "ANY", "ANY at a CNAME"),
    Case("loop1.hostile.test.", "A", "CNAME loop of two"),
    Case("self.hostile.test.", "A", "CNAME to itself"),
    Case("self.hostile.test.", "CNAME", "a looping CNAME, asked for"),
    Case("out.hostile.test.", "A", "CNAME out of the zone"),
    Case("gone.hostile.test.", "A", "CNAME to a missing name: NXDOMAIN"),
    Case("to-ent.hostile.test.", "A", "CNAME to an empty non-terminal"),
    Case("to-deleg.hostile.test.", "A", "CNAME into a delegation"),
    # empty non-terminals and NXDOMAIN
    Case("c.hostile.test.", "A", "empty non-terminal"),
    Case("b.c.hostile.test.", "TXT", "empty non-terminal, deeper"),
    Case("c.hostile.test.", "ANY", "ANY at an empty non-terminal"),
    Case("x.c.hostile.test.", "A", "NXDOMAIN below an empty non-terminal"),
    Case("nowhere.hostile.test.", "A", "NXDOMAIN, SOA TTL is min(TTL, MINIMUM)"),
    Case("nowhere.hostile.test.", "ANY", "ANY at a missing name"),
    # delegations
    Case("sub.hostile.test.", "NS", "referral with in- and out-of-zone servers"),
    Case("sub.hostile.test.", "A", "referral at the cut"),
    Case("host.sub.hostile.test.", "A", "referral below the cut"),
    Case("ns1.sub.hostile.test.", "AAAA", "glue is referred, not answered"),
    Case("sub.hostile.test.", "DS", "no DS at the cut: NODATA from the parent"),
    Case("sub.hostile.test.", "ANY", "ANY at a cut is a referral"),
    Case("secure.hostile.test.", "DS", "DS at the cut, answered by the parent"),
    Case("secure.hostile.test.", "A", "referral to a server named in the parent"),
    Case("x.secure.hostile.test.", "DS", "DS below the cut is referred"),
    # wildcards
    Case("a.wild.hostile.test.", "A", "wildcard synthesis"),
    Case("A.b.WILD.hostile.test.", "TXT", "wildcard matches several labels"),
    Case("a.wild.hostile.test.", "MX", "wildcard MX with addresses"),
    Case("a.wild.hostile.test.", "AAAA", "wildcard NODATA"),
    Case("a.wild.hostile.test.", "ANY", "ANY at a wildcard"),
    Case("*.wild.hostile.test.", "A", "the wildcard asked for by name"),
    Case("x.*.wild.hostile.test.", "A", "below the wildcard itself: NXDOMAIN"),
    Case("exists.wild.hostile.test.", "TXT", "an existing name blocks the wildcard"),
    Case("x.exists.wild.hostile.test.", "A", "below an existing name: NXDOMAIN"),
    Case("ent.wild.hostile.test.", "A", "an empty non-terminal blocks the wildcard"),
    Case("x.ent.wild.hostile.test.", "A", "below an empty non-terminal: NXDOMAIN"),
    Case("star.hostile.test.", "A", "*.star does not match star"),
    Case("x.star.hostile.test.", "A", "*.star matches x.star"),
    Case("foo.alias.hostile.test.", "A", "wildcard CNAME, followed"),
    Case("foo.alias.hostile.test.", "CNAME", "wildcard CNAME, asked for"),
    # not ours
    Case("elsewhere.invalid.", "A", "a name in no zone: REFUSED"),
    Case("test.", "SOA", "the parent of our zones: REFUSED"),
    Case("www.example.test.", "A", "class CH: REFUSED", rdclass="CH"),
]


# Differences the RFCs allow, by peer. Each function gets (case, ours,
# theirs) and returns True when it has compared what must still agree and
# the rest may differ; False when the ordinary comparison applies.
def nsd_names_the_zone_servers(case, ours, theirs) -> bool:
    """nsd (minimal-responses: no, its default) adds the zone's own NS RRset to
    the authority section of every positive answer, with those servers'
    addresses in additional. Nothing in RFC 1034 s4.3.2 asks an authoritative
    server for that; knot and we leave them out and keep replies small."""
    extra = [r for r in theirs.authority if r.rdtype == dns.rdatatype.NS and r.name in APEXES]
    if not (theirs.answer and extra):
        return False
    theirs.authority = [r for r in theirs.authority if r not in extra]
    # Keep the addresses something left in the reply still points at.
    wanted = set(_targets(theirs.answer + theirs.authority))
    theirs.additional = [r for r in theirs.additional if r.name in wanted]
    return False   # now compare normally


def nsd_chooses_another_any_rrset(case, ours, theirs) -> bool:
    """RFC 8482 s4.1 lets a server answer ANY with any one RRset (or a few)
    of the name. At an apex nsd gives the SOA; knot and we give the RRset
    with the lowest type number (A here). Both give exactly one RRset of
    the name asked."""
    if case.qtype != "ANY" or _records(ours.answer) == _records(theirs.answer):
        return False
    assert len(ours.answer) == 1
    assert len(theirs.answer) == 1
    assert theirs.answer[0].name == ours.answer[0].name == dns.name.from_text(case.qname)
    assert _records(theirs.authority) == _records(ours.authority)
    return True


def nsd_follows_cnames_into_its_other_zones(case, ours, theirs) -> bool:
    """A CNAME from hostile.test to www.example.test: nsd, which serves both,
    goes on in example.test (RFC 1034 4.3.2 step 3a restarts the lookup,
    which a server may do with any zone it has). Knot and we stop at the
    zone's edge and leave the rest to the resolver; each zone's answer then
    depends on that zone alone."""
    leaves = any(r.rdtype == dns.rdatatype.CNAME and _apex_of(r[0].target) != _apex_of(r.name)
                 for r in ours.answer)
    if not leaves or _records(ours.answer) == _records(theirs.answer):
        return False
    assert _records(ours.answer) <= _records(theirs.answer)
    return True


ALLOWED_DIFFERENCES = {
    "nsd": [nsd_chooses_another_any_rrset, nsd_follows_cnames_into_its_other_zones,
            nsd_names_the_zone_servers],
    "knot": [],
}


def _apex_of(name: dns.name.Name) -> dns.name.Name | None:
    return next((apex for apex in APEXES if name.is_subdomain(apex)), None)


def _targets(rrsets):
    for rrset in rrsets:
        for rdata in rrset:
            for attribute in ("target", "exchange"):
                if hasattr(rdata, attribute):
                    yield getattr(rdata, attribute)


def _records(rrsets) -> set[str]:
    """Each record as one line, names in lower case, so order and case vanish."""
    return {
        f"{rrset.name.to_text().lower()} {rrset.ttl} {dns.rdatatype.to_text(rrset.rdtype)} "
        f"{rdata.to_text().lower()}"
        for rrset in rrsets
        for rdata in rrset
    }


def _header(reply: dns.message.Message) -> tuple[str, str]:
    return dns.rcode.to_text(reply.rcode()), dns.flags.to_text(reply.flags)


@pytest.fixture(scope="module")
def zones():
    return load_zones(ZONE_FILES.values())


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    """{"nsd": (host, port), "knot": (host, port)}, started once for the module."""
    with contextlib.ExitStack() as stack:
        addresses = {}
        for peer_name, start in (("nsd", nsd), ("knot", knot)):
            workdir = tmp_path_factory.mktemp(peer_name)
            addresses[peer_name] = stack.enter_context(start(ZONE_FILES, workdir))
        yield addresses


@pytest.fixture
async def ours(zones):
    async with DnsServer(ZoneProcessor(zones)) as server:
        await server.start("127.0.0.1", 0)
        yield server.host, server.port


async def ask(address, case: Case, transport: str) -> dns.message.Message:
    query = dns.message.make_query(case.qname, case.qtype, rdclass=case.rdclass,
                                   use_edns=0 if case.edns else False)
    host, port = address
    if transport == "udp":
        return await dns.asyncquery.udp(query, host, port=port, timeout=2)
    return await dns.asyncquery.tcp(query, host, port=port, timeout=2)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("peer", ["nsd", "knot"])
@pytest.mark.parametrize("case", CASES, ids=str)
async def test_same_answer_as_the_peer(case, peer, transport, peers, ours):
    mine = await ask(ours, case, transport)
    theirs = await ask(peers[peer], case, transport)
    assert _header(mine) == _header(theirs), case.rule
    if mine.flags & dns.flags.TC:
        return  # RFC 2181 s9: a client throws a truncated reply away; it retries over TCP
    for allowed in ALLOWED_DIFFERENCES[peer]:
        if allowed(case, mine, theirs):
            return
    assert _records(mine.answer) == _records(theirs.answer), case.rule
    assert _records(mine.authority) == _records(theirs.authority), case.rule
    assert _records(mine.additional) == _records(theirs.additional), case.rule


@pytest.mark.parametrize("peer", ["nsd", "knot"])
async def test_the_peer_loaded_every_zone(peer, peers, zones):
    """A zone the peer could not parse would be skipped with a log line, and
    its cases would compare our answers with REFUSED; make that loud."""
    for zone in zones:
        case = Case(zone.origin.to_text(), "SOA", "the zone is served")
        reply = await ask(peers[peer], case, "udp")
        assert reply.rcode() == dns.rcode.NOERROR
        assert reply.answer[0][0].serial == zone.get_soa().serial


@pytest.mark.parametrize("qname", ["MiXeD.cAsE.hostile.test.", "A.b.WILD.hostile.test.",
                                   "WWW.example.TEST."])
@pytest.mark.parametrize("peer", ["nsd", "knot"])
async def test_the_answer_owner_keeps_the_case_asked_like_the_peer(qname, peer, peers, ours):
    """The comparison above ignores case; here it must match to the letter."""
    case = Case(qname, "A", "case of the answer owner")
    mine, theirs = await ask(ours, case, "udp"), await ask(peers[peer], case, "udp")
    assert mine.answer[0].name.to_text() == theirs.answer[0].name.to_text() == qname
