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

    python exercises/part2/reverse.py zones/example.test.zone &
    dig @127.0.0.1 -p 8053 -x 192.0.2.30

Grade your work with:  pytest --exercise part2
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
        raise NotImplementedError("exercise: write ReverseProcessor.__init__")

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        raise NotImplementedError("exercise: write ReverseProcessor.__call__")


if __name__ == "__main__":
    processor = ReverseProcessor(load_zones(sys.argv[1:]))
    asyncio.run(serve_with_processor(processor, "127.0.0.1", 8053))
