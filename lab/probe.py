"""The probe authority: it tells you what it received.

A resolver's upstream queries are invisible from the outside, unless the
authority they reach reports them. The probe zone does: `whoami.probe.test.`
answers with the asker's address and source port, the query ID, the name as
it arrived (case kept), the EDNS version, payload and DO bit, and UDP or TCP.
Ask through a resolver, and you see the resolver's own query; ask under a
fresh label (`x7q2.whoami.probe.test.`) and no cache can answer for it.

`ttl-N.probe.test. A` answers with TTL N. The other names (big, unknown,
aaaa, txt) are plain records in lab/zones/probe.test.zone.
"""

from __future__ import annotations

import re

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

from part2_server import Endpoint, ZoneProcessor
from part2_server.protocol import render

WHOAMI = "whoami"
TTL_LABEL = re.compile(rb"ttl-(\d{1,10})", re.IGNORECASE)
MAX_TTL = 2**31 - 1            # RFC 2181 s8: TTLs above this are treated as 0
TTL_ADDRESS = "192.0.2.1"      # what ttl-N names point at: a documentation address


class ProbeAuthority:
    """The probe zone's authority: made-up answers first, then the zone file."""

    def __init__(self, zone: dns.zone.Zone) -> None:
        self.origin = zone.origin
        self._whoami = dns.name.Name((WHOAMI.encode(), *zone.origin.labels))
        soa = zone.find_rrset(zone.origin, dns.rdatatype.SOA)
        # RFC 2308 s5: a negative answer's SOA lives min(its TTL, MINIMUM).
        self._soa = dns.rrset.from_rdata_list(
            soa.name, min(soa.ttl, soa[0].minimum), list(soa))
        self._zone = ZoneProcessor([zone])

    # --8<-- [start:reflect]
    def reflect(self, wire: bytes, src: Endpoint, udp: bool) -> bytes | None:
        """Answer a whoami query from its bytes, or None to let the server go on.

        This is part 2's fast-path hook (part 4's cache uses it too): the
        one place where a server says whether a query came over UDP or TCP.
        """
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return None  # the server loop answers FORMERR
        if (query.flags & dns.flags.QR or query.opcode() != dns.opcode.QUERY
                or len(query.question) != 1 or query.edns > 0
                or not query.question[0].name.is_subdomain(self._whoami)):
            return None  # not a whoami question, or one the server's rules answer
        return render(query, self.whoami(query, src, "udp" if udp else "tcp"), udp=udp)

    def whoami(self, query: dns.message.Message, src: Endpoint,
               transport: str) -> dns.message.Message:
        """One TXT record per fact about `query`, "key=value"."""
        facts = {
            "addr": src[0],
            "port": src[1],
            "id": query.id,
            "qname": query.question[0].name.to_text(),  # as it arrived: case kept
            "edns": query.edns,                         # -1: no OPT record
            "payload": query.payload if query.edns >= 0 else 0,
            "do": int(bool(query.ednsflags & dns.flags.DO)),
            "transport": transport,
        }
        texts = [f'"{key}={value}"' for key, value in facts.items()]
        # TTL 0: a cache must not keep it (RFC 1035 s3.2.1).
        return self._answer(query, dns.rdatatype.TXT, 0, texts)
    # --8<-- [end:reflect]

    # --8<-- [start:processor]
    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        question = query.question[0]
        if question.name.is_subdomain(self._whoami):
            # Served as a plain processor, without the fast path (in a server
            # of your own), whoami still answers; only the transport is unknown.
            return self.whoami(query, src, "unknown")
        ttl = self._ttl_asked(question.name)
        if ttl is not None and question.rdclass == dns.rdataclass.IN:
            return self._answer(query, dns.rdatatype.A, ttl, [TTL_ADDRESS])
        return await self._zone(query, src=src, dst=dst)

    def _ttl_asked(self, name: dns.name.Name) -> int | None:
        """N for ttl-N.probe.test. (N at most 2**31 - 1), else None."""
        if name == dns.name.root or name.parent() != self.origin:
            return None
        match = TTL_LABEL.fullmatch(name.labels[0])
        if match is None or int(match[1]) > MAX_TTL:
            return None
        return int(match[1])

    def _answer(self, query: dns.message.Message, rdtype: dns.rdatatype.RdataType,
                ttl: int, texts: list[str]) -> dns.message.Message:
        """The records `texts` of type `rdtype` when asked for; NODATA otherwise."""
        question = query.question[0]
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        if question.rdtype in (rdtype, dns.rdatatype.ANY):
            reply.answer.append(dns.rrset.from_text_list(
                question.name, ttl, dns.rdataclass.IN, rdtype, texts))
        else:
            reply.authority.append(self._soa)  # NODATA: the name exists, not that type
        return reply
    # --8<-- [end:processor]
