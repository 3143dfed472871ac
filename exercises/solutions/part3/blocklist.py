"""Part 3, exercise 1: a blocklist.                 (easy, about 20 minutes)

Many home resolvers refuse to resolve advertising and tracking names: the
device gets "no such name" and shows nothing. Write the processor that does
it, to put in front of the forwarder with compose:

    resolver = compose(Blocklist(load_blocklist("blocked.txt")), forwarder)

* a question about a listed name, or any name under it, gets NXDOMAIN
  (with RA=1, as from the rest of the resolver) and never goes upstream:
  blocking ads.example.test also blocks x.ads.example.test;
* every other question is none of its business (None), so compose asks
  the next processor;
* names compare without regard to case, and with or without a final dot;
* load_blocklist reads a file with one name a line; blank lines and
  comments (from #) are skipped, and, since many published lists are
  written as hosts files, a line like "0.0.0.0 ads.example.test" counts
  as the name ads.example.test.

    python exercises/solutions/part3/blocklist.py blocked.txt --upstream 127.0.0.1:8054

Grade your work with:  pytest --exercise part3

Reference solution.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Iterable

import dns.flags
import dns.message
import dns.name
import dns.rcode

from part2_server.processor import Endpoint
from part2_server.server import serve_with_processor
from part3_forwarder import Forwarder, compose, parse_upstream


def load_blocklist(path: str | os.PathLike[str]) -> list[str]:
    """The names listed in a blocklist file."""
    names = []
    with open(path, encoding="utf-8") as file:
        for line in file:
            words = line.partition("#")[0].split()
            if words:
                names.append(words[-1])   # "0.0.0.0 ads.example.test": the name is last
    return names


class Blocklist:
    """NXDOMAIN for the listed names and everything below them."""

    def __init__(self, names: Iterable[str]) -> None:
        # dns.name.Name hashes and compares without case (RFC 4343), and
        # from_text makes every name absolute, final dot or not.
        self.blocked = {dns.name.from_text(name) for name in names}

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        name = query.question[0].name
        while True:
            if name in self.blocked:
                reply = dns.message.make_response(query)
                reply.set_rcode(dns.rcode.NXDOMAIN)
                reply.flags |= dns.flags.RA
                return reply
            if name == dns.name.root:
                return None
            name = name.parent()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A forwarder that blocks listed names.")
    parser.add_argument("blocklist")
    parser.add_argument("--upstream", type=parse_upstream, required=True)
    parser.add_argument("--port", type=int, default=8053)
    args = parser.parse_args(argv)
    processor = compose(Blocklist(load_blocklist(args.blocklist)), Forwarder([args.upstream]))
    asyncio.run(serve_with_processor(processor, "127.0.0.1", args.port))


if __name__ == "__main__":
    main()
