"""Serving signed zones: part 2's answers, with the DNSSEC records a DO=1 query wants.

Part 2's lookup decides what an answer is; a signed zone adds proof to it
(RFC 4035 s3.1), and only for a query with the DO bit set (RFC 3225):

- every RRset in the answer and authority sections comes with its RRSIG;
  for an answer made from a wildcard, the wildcard's RRSIG (its labels field
  tells the validator so) and the NSEC proving the asked name does not exist;
- "no such name" (NXDOMAIN) comes with the NSEC that covers the name and
  the one that covers the wildcard that could have matched (RFC 4035 s3.1.3.2);
- "no such type" (NODATA) comes with the NSEC of the name, whose type bitmap
  lacks the type (s3.1.3.1), or for an empty non-terminal the NSEC that
  covers it;
- a referral comes with the child's DS, or with the NSEC of the delegation
  point proving there is none: an insecure delegation (s3.1.4).

The zones must have been signed (signing.py); an unsigned zone is served as
part 2 serves it, since it has no RRSIG or NSEC to add.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.zone
from dns.rdataclass import IN
from dns.rdatatype import CNAME, DS, NS, NSEC, RRSIG, SOA

from part2_server import Endpoint, ZoneProcessor
from part2_server.lookup import existing_names


class _Proofs:
    """A signed zone's NSEC chain, in canonical order, and its existing names."""

    def __init__(self, zone: dns.zone.Zone) -> None:
        self.zone = zone
        self.names = existing_names(zone)
        self.owners = sorted(name for name, node in zone.nodes.items()
                             if node.get_rdataset(IN, NSEC) is not None)

    def covering(self, name: dns.name.Name) -> dns.name.Name | None:
        """The owner of the NSEC at `name` or just before it in canonical order."""
        index = bisect.bisect_right(self.owners, name) - 1
        return self.owners[index] if index >= 0 else None

    def closest_encloser(self, name: dns.name.Name) -> dns.name.Name:
        while name not in self.names and name != self.zone.origin:
            name = name.parent()
        return name


class SignedAuthority:
    """Answer from `zones` like part 2's ZoneProcessor, with DNSSEC proofs for DO=1."""

    def __init__(self, zones: Iterable[dns.zone.Zone]) -> None:
        zones = list(zones)
        self.plain = ZoneProcessor(zones)
        self._proofs = {zone.origin: _Proofs(zone) for zone in zones}

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        reply = await self.plain(query, src=src, dst=dst)
        if reply is None or query.edns < 0 or not query.ednsflags & dns.flags.DO:
            return reply
        question = query.question[0]
        proofs = self._proofs[self.plain.zone_for(question.name, question.rdtype).origin]
        if proofs.owners:  # a signed zone
            _add_proofs(reply, proofs, question.name, question.rdtype)
        return reply


# --8<-- [start:add_proofs]
def _add_proofs(reply: dns.message.Message, proofs: _Proofs, qname: dns.name.Name,
                qtype: dns.rdatatype.RdataType) -> None:
    zone = proofs.zone
    denials: list[dns.name.Name] = []      # NSEC owners to add to the authority section
    name = qname                            # follow the CNAMEs the lookup copied
    for rrset in reply.answer:
        if zone.get_node(rrset.name) is None:   # made from a wildcard: prove
            denials.append(proofs.covering(rrset.name))   # the name does not exist
        if rrset.rdtype == CNAME and rrset.name == name:
            name = rrset[0].target
    answered = any(rrset.name == name and rrset.rdtype == qtype for rrset in reply.answer)
    has_soa = any(rrset.rdtype == SOA for rrset in reply.authority)
    referral = not reply.flags & dns.flags.AA and any(rrset.rdtype == NS
                                                       for rrset in reply.authority)
    if reply.rcode() == dns.rcode.NXDOMAIN:
        encloser = proofs.closest_encloser(name)
        denials += [proofs.covering(name), proofs.covering(_wildcard(encloser))]
    elif not answered and has_soa:          # NODATA
        if name in proofs.names:
            denials.append(proofs.covering(name))   # the name's own NSEC (or, for an
        else:                                       # empty non-terminal, the one before)
            encloser = proofs.closest_encloser(name)  # a wildcard said NODATA
            denials += [proofs.covering(name), _wildcard(encloser)]
    elif referral:
        cut = next(rrset.name for rrset in reply.authority if rrset.rdtype == NS)
        ds = zone.get_rdataset(cut, DS)
        if ds is not None:
            reply.authority.append(dns.rrset.from_rdata_list(cut, ds.ttl, list(ds)))
        else:
            denials.append(cut)   # its NSEC: NS but no DS in the bitmap
    for owner in dict.fromkeys(denials):    # each once, in order
        if owner is not None and zone.get_rdataset(owner, NSEC) is not None:
            reply.authority.append(zone.find_rrset(owner, NSEC))
    for section in (reply.answer, reply.authority):
        signatures = [_signature(zone, proofs, rrset) for rrset in section]
        section.extend(sig for sig in signatures if sig is not None)
# --8<-- [end:add_proofs]


def _signature(zone: dns.zone.Zone, proofs: _Proofs, rrset: dns.rrset.RRset
               ) -> dns.rrset.RRset | None:
    """The RRSIG covering `rrset`, named as the RRset is (a wildcard's RRSIG
    appears under the name it answered for, RFC 4035 s3.1.3.3)."""
    owner = rrset.name
    if zone.get_node(owner) is None:
        owner = _wildcard(proofs.closest_encloser(owner))
    sigs = zone.get_rdataset(owner, RRSIG, rrset.rdtype)
    if sigs is None:
        return None
    return dns.rrset.from_rdata_list(rrset.name, sigs.ttl, list(sigs))


def _wildcard(encloser: dns.name.Name) -> dns.name.Name:
    """The wildcard that could answer for names below `encloser` (RFC 4592)."""
    return dns.name.Name((b"*", *encloser.labels))
