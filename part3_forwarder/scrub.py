"""Scrubbing: pass on only the records that answer the question asked.

An upstream's reply may carry records nobody asked for: an A record for
`victim.other.` beside the answer for `a.example.`, an NS record claiming
another zone, addresses for names nothing points to. Our cache never serves
them for another question (it stores whole replies by question), but the
client gets the reply as relayed, and a stub that keeps extra records would
believe them. So, as unbound's iterator does (iterator/iter_scrub.c,
`scrub_normalize`), we keep:

- in the answer section, the chain from the question: each CNAME (and a DNAME
  above the name being followed, RFC 6672) leads to the next name, and at
  the last name the records of the type asked (any type for ANY), with the
  RRSIGs of all of these;
- in the authority section, an SOA or NS only for a zone the last name is in
  (the zone that answered, or says it has nothing), and the DNSSEC records
  that prove a denial (NSEC, NSEC3, their RRSIGs; DS);
- in the additional section, addresses of the names these records point to
  (NS and MX targets, SRV targets), with their RRSIGs.

Everything else is dropped, and logged at debug level.
"""

from __future__ import annotations

import logging

import dns.message
import dns.name
import dns.rdatatype
import dns.rrset

logger = logging.getLogger(__name__)

# Authority records whose owners need not be above the name: they prove a denial.
DENIAL_PROOF = (dns.rdatatype.NSEC, dns.rdatatype.NSEC3, dns.rdatatype.DS)
ADDRESSES = (dns.rdatatype.A, dns.rdatatype.AAAA)
MAX_CHAIN = 16  # more CNAMEs than this is a loop, or an attack


# --8<-- [start:scrub]
def scrub(question: dns.rrset.RRset, reply: dns.message.Message) -> dns.message.Message:
    """`reply` with only the records that belong to the answer to `question` (in place)."""
    answer, chain = _answer_chain(question.name, question.rdtype, reply.answer)
    last = chain[-1]
    authority = [rrset for rrset in reply.authority if _supports(rrset, last)]
    targets = {target for rrset in answer + authority for target in _targets(rrset)}
    additional = [rrset for rrset in reply.additional
                  if _type_of(rrset) in ADDRESSES and rrset.name in targets]
    for section, kept in ((reply.answer, answer), (reply.authority, authority),
                          (reply.additional, additional)):
        for rrset in section:
            if rrset not in kept:
                logger.debug("scrubbed from the reply for %s: %s", question.name, rrset)
    reply.answer, reply.authority, reply.additional = answer, authority, additional
    return reply
# --8<-- [end:scrub]


def _answer_chain(
    qname: dns.name.Name, qtype: int, section: list[dns.rrset.RRset]
) -> tuple[list[dns.rrset.RRset], list[dns.name.Name]]:
    """The answer records on the chain from `qname`, and the names of the chain."""
    chain = [qname]
    kept: list[dns.rrset.RRset] = []
    for _ in range(MAX_CHAIN):
        name = chain[-1]
        here = [rrset for rrset in section if rrset.name == name
                or (_type_of(rrset) == dns.rdatatype.DNAME and name.is_subdomain(rrset.name)
                    and name != rrset.name)]
        kept += [rrset for rrset in here if rrset not in kept]
        cname = next((rrset for rrset in here if rrset.rdtype == dns.rdatatype.CNAME), None)
        if cname is None or qtype == dns.rdatatype.CNAME or cname[0].target in chain:
            break
        chain.append(cname[0].target)
    wanted = [rrset for rrset in kept if _belongs(rrset, qtype, chain)]
    return wanted, chain


def _belongs(rrset: dns.rrset.RRset, qtype: int, chain: list[dns.name.Name]) -> bool:
    """On the chain: a CNAME or DNAME that leads on, or the type asked at the last name."""
    kind = _type_of(rrset)
    if kind in (dns.rdatatype.CNAME, dns.rdatatype.DNAME):
        return True
    if rrset.name != chain[-1]:
        return False  # data at a name the chain only passed through (it had a CNAME)
    return qtype == dns.rdatatype.ANY or kind == qtype


def _supports(rrset: dns.rrset.RRset, last: dns.name.Name) -> bool:
    """Is this authority record about the zone that holds `last`, or a denial proof?"""
    kind = _type_of(rrset)
    if kind in (dns.rdatatype.SOA, dns.rdatatype.NS):
        return last.is_subdomain(rrset.name)
    return kind in DENIAL_PROOF


def _type_of(rrset: dns.rrset.RRset) -> int:
    """The type of an RRset, or for RRSIGs the type they sign."""
    return rrset.covers if rrset.rdtype == dns.rdatatype.RRSIG else rrset.rdtype


def _targets(rrset: dns.rrset.RRset) -> set[dns.name.Name]:
    """The names an NS, MX or SRV RRset points to: their addresses may come along."""
    if rrset.rdtype in (dns.rdatatype.NS, dns.rdatatype.SRV):
        return {rdata.target for rdata in rrset}
    if rrset.rdtype == dns.rdatatype.MX:
        return {rdata.exchange for rdata in rrset}
    return set()
