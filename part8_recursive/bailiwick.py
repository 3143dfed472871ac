"""Bailiwick: which parts of a reply the resolver may believe.

A server is an authority for its own zone and nothing else. Before 2008,
resolvers took whatever came in a reply, and an attacker (or a careless
server) could slip in a record for someone else's name in the additional
section of an answer about its own: Dan Kaminsky showed that with a forged
reply this poisons a cache for a whole domain. The rules here keep only:

- answer records on the chain from the question (the name, then each CNAME
  target in turn) whose owner lies in the zone asked;
- an SOA (a negative answer) for the zone asked or a zone below it, and the
  DNSSEC records that prove an answer or its absence (NSEC, NSEC3, RRSIG)
  in the zone asked, for part 7's validator;
- a referral: NS records for a zone strictly below the zone asked that
  contains the question, and glue, the addresses of those servers only,
  under the zone asked (the parent's own data).

Everything else is dropped, never used, never cached.
"""

from __future__ import annotations

import dataclasses
import enum
import logging

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

logger = logging.getLogger(__name__)


# DNSSEC's records that prove what does not exist, and the signatures.
PROOFS = (dns.rdatatype.NSEC, dns.rdatatype.NSEC3, dns.rdatatype.RRSIG)


class Kind(enum.Enum):
    ANSWER = "answer"
    REFERRAL = "referral"
    NXDOMAIN = "NXDOMAIN"
    NODATA = "NODATA"
    LAME = "lame"  # not an answer from an authority for this zone: ask another server


@dataclasses.dataclass
class Reading:
    """What a reply from a server for `zone` says, once out-of-bailiwick data is gone."""

    kind: Kind
    answer: list[dns.rrset.RRset] = dataclasses.field(default_factory=list)
    authority: list[dns.rrset.RRset] = dataclasses.field(default_factory=list)  # SOA, or NS
    glue: list[dns.rrset.RRset] = dataclasses.field(default_factory=list)
    why: str = ""  # for a lame reply


def in_zone(name: dns.name.Name, zone: dns.name.Name) -> bool:
    """Is `name` the zone's apex or below it? (Names compare without case.)"""
    return name.is_subdomain(zone)


# --8<-- [start:chain]
def answer_chain(reply: dns.message.Message, name: dns.name.Name, rdtype: int,
                 zone: dns.name.Name) -> list[dns.rrset.RRset]:
    """The answer RRsets on the chain from `name`, while the chain stays in `zone`."""
    kept, seen = [], set()
    while in_zone(name, zone) and name not in seen:
        seen.add(name)
        wanted = (rdtype, dns.rdatatype.CNAME)
        found = [rrset for rrset in reply.answer if rrset.name == name and (
            rrset.rdtype in wanted or rdtype == dns.rdatatype.ANY
            or (rrset.rdtype == dns.rdatatype.RRSIG and rrset.covers in wanted))]
        kept += found
        cname = next((r for r in found if r.rdtype == dns.rdatatype.CNAME), None)
        if cname is None or rdtype in (dns.rdatatype.CNAME, dns.rdatatype.ANY):
            break
        name = cname[0].target
    ignored = [rrset for rrset in reply.answer if rrset not in kept]
    if ignored:
        logger.info("ignored out-of-bailiwick or off-chain answer records from a server "
                    "for %s: %s", zone, ", ".join(f"{r.name}/{dns.rdatatype.to_text(r.rdtype)}"
                                                  for r in ignored))
    return kept
# --8<-- [end:chain]


# --8<-- [start:read_reply]
def read_reply(reply: dns.message.Message, name: dns.name.Name, rdtype: int,
               zone: dns.name.Name) -> Reading:
    """Classify a reply to `name`/`rdtype` from a server we asked as an authority for `zone`."""
    rcode = reply.rcode()
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        return Reading(Kind.LAME, why=dns.rcode.to_text(rcode))
    answer = answer_chain(reply, name, rdtype, zone)
    soa = [rrset for rrset in reply.authority if rrset.rdtype == dns.rdatatype.SOA
           and in_zone(rrset.name, zone) and in_zone(name, rrset.name)]
    proofs = [rrset for rrset in reply.authority if rrset.rdtype in PROOFS
              and in_zone(rrset.name, zone)]
    if rcode == dns.rcode.NXDOMAIN:
        return Reading(Kind.NXDOMAIN, answer, soa + proofs if soa else [])
    if answer:
        return Reading(Kind.ANSWER, answer, proofs)  # a wildcard's proof, when signed
    if soa or reply.flags & dns.flags.AA:
        return Reading(Kind.NODATA, [], soa + proofs if soa else [])
    ns = next((rrset for rrset in reply.authority if rrset.rdtype == dns.rdatatype.NS), None)
    if ns is None:
        return Reading(Kind.LAME, why="neither an answer nor a referral")
    if ns.name == zone or not in_zone(ns.name, zone) or not in_zone(name, ns.name):
        # A referral to the zone we asked, or up, or sideways: this server
        # does not serve the zone it was named for (RFC 1034 s5.3.3 "lame").
        return Reading(Kind.LAME, why=f"referral to {ns.name}, not below {zone}")
    targets = {rdata.target for rdata in ns}
    glue = [rrset for rrset in reply.additional
            if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)
            and rrset.name in targets and in_zone(rrset.name, zone)]
    return Reading(Kind.REFERRAL, [], [ns], glue)
# --8<-- [end:read_reply]
