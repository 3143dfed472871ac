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
    python exercises/part2/whoami.py &
    dig @127.0.0.1 -p 8053 whoami.test TXT

Grade your work with:  pytest --exercise part2
"""

from __future__ import annotations

import asyncio
import ipaddress  # noqa: F401 (you will need it)

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
        raise NotImplementedError("exercise: write WhoAmI.__call__")


if __name__ == "__main__":
    asyncio.run(serve_with_processor(WhoAmI(), "127.0.0.1", 8053))
