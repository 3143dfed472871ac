"""Part 2, exercise 2: an answer computed for each client.  (medium, about 30 minutes)

A zone file holds fixed data, but a processor can answer anything it likes.
Write a processor that tells each client what its address looks like from
the server's side (handy behind a NAT, and what some big resolvers offer
under names like "whoami"):

* for the name whoami.test (in any letter case):
  - TXT: one TXT record holding "ADDRESS PORT", the client's address and
    source port, e.g. "127.0.0.1 40000";
  - A: the client's address, if it is an IPv4 address; AAAA if it is IPv6;
  - any other type (or the wrong address family): NOERROR with an empty
    answer (NODATA);
  - every record with TTL 0: the answer is only true for this client and
    this moment, and RFC 1035 s3.2.1 says a zero TTL must not be cached;
  - the AA flag set: we are the authority for this name;
* every other name goes to the `inner` processor (for instance a
  ZoneProcessor), or, without one, is none of our business (None).

Try it:
    python exercises/solutions/part2/whoami.py &
    dig @127.0.0.1 -p 8053 whoami.test TXT

Grade your work with:  pytest --exercise part2

Reference solution.
"""

from __future__ import annotations

import asyncio
import ipaddress

import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.rrset

from part2_server.processor import Endpoint, Processor
from part2_server.server import serve_with_processor

WHOAMI = dns.name.from_text("whoami.test.")


class WhoAmI:
    """Answer whoami.test with the client's own address; pass the rest on."""

    def __init__(self, inner: Processor | None = None) -> None:
        self.inner = inner

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        question = query.question[0]
        if question.name != WHOAMI:   # dns.name compares without case (RFC 4343)
            if self.inner is None:
                return None
            return await self.inner(query, src=src, dst=dst)
        reply = dns.message.make_response(query)   # the question as the client wrote it
        reply.flags |= dns.flags.AA
        address, port = src[0], src[1]
        family = dns.rdatatype.A if ipaddress.ip_address(address).version == 4 \
            else dns.rdatatype.AAAA
        if question.rdtype == dns.rdatatype.TXT:
            data = f'"{address} {port}"'
        elif question.rdtype == family:
            data = address
        else:
            return reply   # NODATA: the name exists, the type does not
        # TTL 0: true for this client only, now only (RFC 1035 s3.2.1).
        reply.answer.append(dns.rrset.from_text(question.name, 0, "IN", question.rdtype, data))
        return reply


if __name__ == "__main__":
    asyncio.run(serve_with_processor(WhoAmI(), "127.0.0.1", 8053))
