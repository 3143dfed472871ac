"""The authoritative lookup of RFC 1034 section 4.3.2, written out by hand.

Given one zone and a question inside it, decide what goes into the reply:
the rcode, the AA flag and the three sections. Nothing here touches a socket
or a message, so every case can be tried in a notebook or a unit test.

The cases, in the order the code meets them:

1. the name is at or below a zone cut (NS records that are not at the apex):
   the data belongs to a child zone, so the reply is a referral;
2. the name owns records: a CNAME is followed (unless the question asks for
   the CNAME itself), otherwise the asked type is the answer, or NODATA;
3. the name owns nothing but a name below it does (an empty non-terminal):
   NODATA (RFC 8020: the name exists);
4. the name does not exist: a wildcard may synthesise it (RFC 4592),
   otherwise NXDOMAIN.

Negative answers carry the zone's SOA in the authority section, so a resolver
knows how long to remember them (RFC 2308).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import dns.name
import dns.node
import dns.rcode
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone
from dns.rdataclass import IN
from dns.rdatatype import AAAA, ANY, CNAME, DS, MX, NS, SOA, SRV, A

WILDCARD = b"*"


@dataclass
class Result:
    """What the lookup decided; authority.py copies it into a reply."""

    rcode: dns.rcode.Rcode = dns.rcode.NOERROR
    authoritative: bool = True
    answer: list[dns.rrset.RRset] = field(default_factory=list)
    authority: list[dns.rrset.RRset] = field(default_factory=list)
    additional: list[dns.rrset.RRset] = field(default_factory=list)


# --8<-- [start:existing_names]
def existing_names(zone: dns.zone.Zone) -> frozenset[dns.name.Name]:
    """Every name that exists in the zone: owners, and every name between an
    owner and the apex (the empty non-terminals of RFC 4592 s2.2.2).

    A lookup needs this set to tell "no records here, but the name exists"
    (NODATA) from "no such name" (NXDOMAIN) and to find a wildcard's closest
    encloser. Build it once per zone, not once per query.
    """
    names = set()
    for owner in zone.nodes:
        name = owner
        while name not in names and name != zone.origin:
            names.add(name)
            name = name.parent()
    names.add(zone.origin)
    return frozenset(names)
# --8<-- [end:existing_names]


# --8<-- [start:lookup]
def lookup(zone: dns.zone.Zone, qname: dns.name.Name, qtype: dns.rdatatype.RdataType,
           names: frozenset[dns.name.Name] | None = None) -> Result:
    """Answer `qname`/`qtype` (class IN) from `zone`, which must contain qname.

    `names` is existing_names(zone); pass it in when asking many questions.
    """
    if names is None:
        names = existing_names(zone)
    result = Result()
    name = qname              # the name we look at now; a CNAME moves it on
    visited: set[dns.name.Name] = set()
    while True:
        cut = _zone_cut(zone, name)
        # RFC 4035 s3.1.4.1: the DS at a cut belongs to the parent side.
        if cut is not None and not (qtype == DS and name == cut):
            _refer(zone, cut, result)
            return result
        node = _find(zone, name, names)
        if node is None:
            # RFC 6604: after a CNAME, the rcode tells about the last name.
            result.rcode = dns.rcode.NXDOMAIN
            result.authority.append(_negative_soa(zone))
            return result
        if qtype == ANY and node.rdatasets:
            _answer(zone, _minimal_any(node), name, result)
            return result
        cname = node.get_rdataset(IN, CNAME)
        if cname is not None and qtype != CNAME:
            # RFC 1034 4.3.2 step 3a: copy the CNAME, go on with its target.
            result.answer.append(_rrset(name, cname))
            visited.add(name)
            target = cname[0].target
            if target in visited or not target.is_subdomain(zone.origin):
                return result   # a loop, or another zone's business
            name = target
            continue
        rdataset = node.get_rdataset(IN, qtype)
        if rdataset is None:
            # NODATA: the name exists, the type does not (RFC 2308 s2.2).
            result.authority.append(_negative_soa(zone))
            return result
        _answer(zone, rdataset, name, result)
        return result
# --8<-- [end:lookup]


# --8<-- [start:find]
def _find(zone: dns.zone.Zone, name: dns.name.Name, names: frozenset[dns.name.Name]
          ) -> dns.node.Node | None:
    """The node that answers for `name`, or None if the name does not exist.

    An empty non-terminal exists but owns nothing: it gets an empty node.
    """
    node = zone.get_node(name)
    if node is not None:
        return node
    if name in names:
        return dns.node.Node()
    # RFC 4592 s3.3.1: the closest encloser is the longest existing ancestor,
    # and only "*.<closest encloser>" may synthesise an answer. So an existing
    # name or empty non-terminal on the way blocks any wildcard above it, and
    # "*.x" never answers for "x" itself (x exists: we returned above).
    encloser = name.parent()
    while encloser not in names:
        encloser = encloser.parent()
    source = dns.name.Name((WILDCARD, *encloser.labels))
    if source not in names:
        return None
    return zone.get_node(source) or dns.node.Node()
# --8<-- [end:find]


# --8<-- [start:cut]
def _zone_cut(zone: dns.zone.Zone, name: dns.name.Name) -> dns.name.Name | None:
    """The highest name between the apex (excluded) and `name` (included)
    that owns NS records: there our authority ends (RFC 1034 s4.2.1)."""
    ancestor = zone.origin
    for label in reversed(name.relativize(zone.origin).labels):
        ancestor = dns.name.Name((label, *ancestor.labels))
        node = zone.get_node(ancestor)
        if node is not None and node.get_rdataset(IN, NS) is not None:
            return ancestor
    return None


def _refer(zone: dns.zone.Zone, cut: dns.name.Name, result: Result) -> None:
    """A referral: the child's NS records in authority, their glue addresses
    in additional. Not authoritative (AA=0) unless an authoritative CNAME
    already led here, in which case the answer keeps its AA=1."""
    ns = zone.get_rdataset(cut, NS)
    result.authority.append(_rrset(cut, ns))
    result.additional.extend(_addresses(zone, (rdata.target for rdata in ns)))
    if not result.answer:
        result.authoritative = False
# --8<-- [end:cut]


# --8<-- [start:answer]
# The names that records of these types point at. RFC 1035 s3.3.9 (MX),
# s3.3.11 (NS) and RFC 2782 (SRV) ask for their addresses in the additional
# section, saving the resolver a question; RFC 3596 s3 adds AAAA to A.
TARGET_FIELD = {MX: "exchange", NS: "target", SRV: "target"}


def _answer(zone: dns.zone.Zone, rdataset: dns.rdataset.Rdataset, owner: dns.name.Name,
            result: Result) -> None:
    """Add a positive answer, and the addresses of the names it points at."""
    result.answer.append(_rrset(owner, rdataset))
    field_name = TARGET_FIELD.get(rdataset.rdtype)
    if field_name is not None:
        targets = (getattr(rdata, field_name) for rdata in rdataset)
        result.additional.extend(_addresses(zone, targets))


def _addresses(zone: dns.zone.Zone, targets: Iterable[dns.name.Name]
               ) -> list[dns.rrset.RRset]:
    """A and AAAA records this zone holds for `targets` (glue included),
    each name once; names outside the zone are left to the resolver."""
    found: list[dns.rrset.RRset] = []
    seen: set[dns.name.Name] = set()
    for target in targets:
        if target in seen or not target.is_subdomain(zone.origin):
            continue
        seen.add(target)
        node = zone.get_node(target)
        if node is None:
            continue
        for rdtype in (A, AAAA):
            rdataset = node.get_rdataset(IN, rdtype)
            if rdataset is not None:
                found.append(_rrset(target, rdataset))
    return found
# --8<-- [end:answer]


# --8<-- [start:any]
def _minimal_any(node: dns.node.Node) -> dns.rdataset.Rdataset:
    # RFC 8482 s4.1: an ANY query may be answered with a subset of the
    # RRsets. Like knot, we give the one with the lowest type number: small
    # replies leave nothing to amplify, and the choice is stable.
    return min(node.rdatasets, key=lambda rdataset: rdataset.rdtype)
# --8<-- [end:any]


# --8<-- [start:negative]
def _negative_soa(zone: dns.zone.Zone) -> dns.rrset.RRset:
    soa = zone.get_rdataset(zone.origin, SOA)
    rrset = _rrset(zone.origin, soa)
    # RFC 2308 s5: the SOA in a negative answer carries the smaller of its
    # own TTL and its MINIMUM field, which is how long to cache "no".
    rrset.ttl = min(soa.ttl, soa[0].minimum)
    return rrset
# --8<-- [end:negative]


def _rrset(owner: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    """A copy of `rdataset` as an RRset named `owner` (the asked name for a
    wildcard answer, so the zone's own records are never changed)."""
    return dns.rrset.from_rdata_list(owner, rdataset.ttl, list(rdataset))
