"""Part 5, exercise 1: undo the NXDOMAIN rewriting.    (easy, about 20 minutes)

A provider whose resolver answers "no such name" with the address of its
search page gives itself away: every made-up name has the same address.
dnsmasq's --bogus-nxdomain turns such answers back into NXDOMAIN. Write the
same filter, as a processor wrapped around a resolver you cannot fix:

    resolver = bogus_nxdomain(forwarder_to_the_provider, ["192.0.2.99"])

* each bogus address is written as one address ("192.0.2.99") or a
  network ("192.0.2.0/24"), IPv4 or IPv6;
* a reply whose answer section holds an A or AAAA record inside any of
  them becomes NXDOMAIN: the answer section emptied, the rest kept (the
  question as asked, RA=1);
* every other reply passes unchanged, and None stays None;
* parse the addresses once, when the filter is made: a bad one raises
  ValueError there, not on the first query.

    python exercises/solutions/part5/bogus_nxdomain.py --bogus 192.0.2.99 --upstream 127.0.0.1:8053

Grade your work with:  pytest --exercise part5

Reference solution.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
from collections.abc import Iterable

import dns.message
import dns.rcode
import dns.rdatatype

from part2_server import Endpoint, Processor, serve_with_processor
from part3_forwarder import Forwarder, parse_upstream

ADDRESS_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA)


def bogus_nxdomain(inner: Processor, addresses: Iterable[str]) -> Processor:
    """`inner`, with answers that point at a bogus address turned back into NXDOMAIN."""
    # ip_network("192.0.2.99") is the network of that one address (a /32).
    networks = [ipaddress.ip_network(text, strict=False) for text in addresses]

    def bogus(address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in networks)

    async def filtered(query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        reply = await inner(query, src=src, dst=dst)
        if reply is None:
            return None
        if any(bogus(rdata.address) for rrset in reply.answer
               if rrset.rdtype in ADDRESS_TYPES for rdata in rrset):
            reply.answer = []
            reply.set_rcode(dns.rcode.NXDOMAIN)
        return reply

    return filtered


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A forwarder that undoes NXDOMAIN rewriting.")
    parser.add_argument("--bogus", action="append", required=True, metavar="ADDRESS[/PREFIX]")
    parser.add_argument("--upstream", type=parse_upstream, required=True)
    parser.add_argument("--port", type=int, default=8054)
    args = parser.parse_args(argv)
    processor = bogus_nxdomain(Forwarder([args.upstream]), args.bogus)
    asyncio.run(serve_with_processor(processor, "127.0.0.1", args.port))


if __name__ == "__main__":
    main()
