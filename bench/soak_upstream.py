"""The upstream of the soak run: answers computed from the name, some of them slowly.

    python bench/soak_upstream.py PORT

Names under soak.test. (anything else is REFUSED):
    h<N>   an address, TTL 3600 (the names a cache should answer)
    m<N>   an address, TTL 60 (unique names: cache misses)
    nx<N>  NXDOMAIN, negative TTL 30 (as is every other name in the zone)
    s<N>   an address after 300 ms, TTL 1 (a slow upstream)
Every address is a function of the name (`expected_address`), so the soak run
can tell a right answer from a wrong one without keeping a list.
"""

from __future__ import annotations

import asyncio
import sys
import zlib

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from part2_server.server import DnsServer
from part2_server.service import run, serve_until_signalled

ZONE = dns.name.from_text("soak.test.")
SOA = dns.rrset.from_text(ZONE, 30, "IN", "SOA",
                          "ns.soak.test. hostmaster.soak.test. 1 3600 600 86400 30")
SLOW_SECONDS = 0.3
TTLS = {"h": 3600, "m": 60, "s": 1}


def expected_address(name: str) -> str:
    """The one right address for `name` (lowercase, with the trailing dot)."""
    value = zlib.crc32(name.encode())
    return f"127.{64 + value % 64}.{(value >> 8) & 255}.{(value >> 16) & 255}"


def kind_of(name: dns.name.Name) -> str:
    """h, m, s, or nx for every other name in the zone (garbage names included)."""
    if len(name) == len(ZONE) + 1:
        kind = name.labels[0].lower().rstrip(b"0123456789")
        if kind in (b"h", b"m", b"s"):
            return kind.decode()
    return "nx"


async def answer(query: dns.message.Message, *, src, dst) -> dns.message.Message | None:
    question = query.question[0]
    if not question.name.is_subdomain(ZONE):
        return None
    kind = kind_of(question.name)
    reply = dns.message.make_response(query)
    reply.flags |= dns.flags.AA
    if kind == "nx":
        reply.set_rcode(dns.rcode.NXDOMAIN)
        reply.authority.append(SOA)
        return reply
    if kind == "s":
        await asyncio.sleep(SLOW_SECONDS)
    if question.rdtype == dns.rdatatype.A:
        name = question.name.to_text().lower()
        reply.answer.append(
            dns.rrset.from_text(question.name, TTLS[kind], "IN", "A", expected_address(name))
        )
    return reply


if __name__ == "__main__":
    port = int(sys.argv[1])
    run(serve_until_signalled(DnsServer(answer), "127.0.0.1", port, what="soak.test."))
