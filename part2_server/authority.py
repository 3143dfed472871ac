"""ZoneProcessor: the processor that answers authoritatively from zones.

It picks the zone a question belongs to, runs the lookup (lookup.py) and
turns the result into a reply. Names in none of its zones, and classes other
than IN, are none of its business: it returns None, and the server answers
REFUSED (or, in part 3, the next processor gets a turn).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone

from .lookup import existing_names, lookup
from .processor import Endpoint


@dataclass(frozen=True)
class _Served:
    zone: dns.zone.Zone
    names: frozenset[dns.name.Name]   # existing_names(zone), computed once


# --8<-- [start:processor]
class ZoneProcessor:
    """Answer questions about names in `zones`, as their authoritative server."""

    def __init__(self, zones: Iterable[dns.zone.Zone]) -> None:
        self.replace(zones)

    @property
    def zones(self) -> list[dns.zone.Zone]:
        return [served.zone for served in self._by_origin.values()]

    def replace(self, zones: Iterable[dns.zone.Zone]) -> None:
        """Serve `zones` from now on (a SIGHUP reload). The new table is built
        aside and swapped in with one assignment, so a query sees either all
        the old zones or all the new ones."""
        by_origin = {}
        for zone in zones:
            if zone.origin in by_origin:
                raise ValueError(f"zone {zone.origin} given twice")
            by_origin[zone.origin] = _Served(zone, existing_names(zone))
        self._by_origin = by_origin
        self.origins = frozenset(by_origin)  # a new set at each reload (part 4 watches it)

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        return self.reply_to(query)

    def reply_to(self, query: dns.message.Message) -> dns.message.Message | None:
        """The reply to `query`, or None when its name is in none of our zones."""
        question = query.question[0]
        if question.rdclass != dns.rdataclass.IN:
            return None
        served = self._zone_for(question.name, question.rdtype)
        if served is None:
            return None
        result = lookup(served.zone, question.name, question.rdtype, served.names)
        reply = dns.message.make_response(query)   # question as asked, RD copied, RA=0
        reply.set_rcode(result.rcode)
        if result.authoritative:
            reply.flags |= dns.flags.AA
        reply.answer = result.answer
        reply.authority = result.authority
        reply.additional = result.additional
        return reply
# --8<-- [end:processor]

    def zone_for(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType
                 ) -> dns.zone.Zone | None:
        """The zone that answers `qname`/`qtype`, or None (part 7 signs its answers)."""
        served = self._zone_for(qname, qtype)
        return None if served is None else served.zone

    # --8<-- [start:zone_for]
    def _zone_for(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType
                  ) -> _Served | None:
        """The zone with the longest origin that contains `qname`."""
        by_origin = self._by_origin   # one read: a reload cannot change it under us
        candidates = []
        name = qname
        while True:
            served = by_origin.get(name)   # Name hashes ignore case (RFC 4343)
            if served is not None:
                candidates.append(served)
            if name == dns.name.root:
                break
            name = name.parent()
        if not candidates:
            return None
        # RFC 4035 s3.1.4.1: the DS for a zone's apex lives in its parent.
        # When we serve the parent too, the parent answers.
        if qtype == dns.rdatatype.DS and candidates[0].zone.origin == qname:
            return candidates[1] if len(candidates) > 1 else candidates[0]
        return candidates[0]
    # --8<-- [end:zone_for]
