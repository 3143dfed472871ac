"""Part 2, exercise 3: reverse lookups, made from your zones.  (hard, about 45 minutes)

"Which name has the address 192.0.2.30?" is a question for the reverse tree:
the address is written backwards under in-addr.arpa (RFC 1035 s3.5), or
nibble by nibble under ip6.arpa for IPv6 (RFC 3596 s2.5), and the answer is
a PTR record:

    30.2.0.192.in-addr.arpa.  300  PTR  nas.example.test.

Keeping a reverse zone by hand means writing every address twice. Instead,
write a processor that builds the reverse answers from the A and AAAA
records of the zones it is given:

* a PTR question for the reverse name of an address found in the zones
  gets one PTR record per name that has that address (in the order of
  their names), with the smallest TTL of those address records; AA is set;
* any other type at such a reverse name: NOERROR, empty answer (NODATA);
* any other name under in-addr.arpa. or ip6.arpa.: NXDOMAIN;
* names outside those two trees: None (not our business);
* only the zone's own data counts: addresses of names at or below a
  delegation (glue, like ns1.lab.example.test) belong to another zone's
  owner and must not show up; nor do wildcard records (*.shop.test);
* names compare without regard to case, as always in the DNS.

dns.reversename turns an address into its reverse name and back; how
part2_server/lookup.py finds a zone cut shows how to spot a delegation.

    python exercises/solutions/part2/reverse.py zones/example.test.zone &
    dig @127.0.0.1 -p 8053 -x 192.0.2.30

Grade your work with:  pytest --exercise part2

Reference solution.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.reversename
import dns.rrset
import dns.zone

from part2_server.processor import Endpoint
from part2_server.server import serve_with_processor
from part2_server.zones import load_zones

REVERSE_TREES = (dns.name.from_text("in-addr.arpa."), dns.name.from_text("ip6.arpa."))


class ReverseProcessor:
    """PTR answers for every address in `zones`."""

    def __init__(self, zones: Iterable[dns.zone.Zone]) -> None:
        # reverse name -> {name that has the address: its TTL}
        self._names: dict[dns.name.Name, dict[dns.name.Name, int]] = {}
        for zone in zones:
            for owner, node in zone.nodes.items():
                if owner.is_wild() or _below_a_cut(zone, owner):
                    continue
                for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    rdataset = node.get_rdataset(zone.rdclass, rdtype)
                    for rdata in rdataset or ():
                        names = self._names.setdefault(
                            dns.reversename.from_address(rdata.address), {})
                        names[owner] = min(rdataset.ttl, names.get(owner, rdataset.ttl))

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        question = query.question[0]
        if not any(question.name.is_subdomain(tree) for tree in REVERSE_TREES):
            return None
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        names = self._names.get(question.name)   # Name hashing ignores case
        if names is None:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.PTR:
            targets = [name.to_text() for name in sorted(names)]
            reply.answer.append(dns.rrset.from_text_list(
                question.name, min(names.values()), "IN", "PTR", targets))
        return reply


def _below_a_cut(zone: dns.zone.Zone, owner: dns.name.Name) -> bool:
    """Is `owner` at or below a delegation (NS records other than the apex's)?"""
    name = owner
    while name != zone.origin:
        node = zone.get_node(name)
        if node is not None and node.get_rdataset(zone.rdclass, dns.rdatatype.NS):
            return True
        name = name.parent()
    return False


if __name__ == "__main__":
    processor = ReverseProcessor(load_zones(sys.argv[1:]))
    asyncio.run(serve_with_processor(processor, "127.0.0.1", 8053))
