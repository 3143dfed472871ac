"""Part 1, exercise 1: print the TTLs.              (easy, about 15 minutes)

Every record in a reply carries a TTL: how many seconds the answer may be
kept. Part 4's cache lives by these numbers, so learn to read them now.

Write the two functions below, then try them on the part 2 server:

    python -m part2_server --zone zones/example.test.zone &
    python exercises/solutions/part1/ttls.py www.example.test --port 8053

Grade your work with:  pytest --exercise part1

Reference solution.
"""

from __future__ import annotations

import argparse

import dns.message
import dns.rdatatype

from part1_client import resolve


def ttl_lines(reply: dns.message.Message) -> list[str]:
    """One line per record of the answer section, in order:

        "NAME TTL TYPE DATA", e.g. "nas.example.test. 300 A 192.0.2.30"

    A CNAME chain gives one line per link. A reply with an empty answer
    gives an empty list.
    """
    return [f"{rrset.name} {rrset.ttl} {dns.rdatatype.to_text(rrset.rdtype)} {rdata}"
            for rrset in reply.answer for rdata in rrset]


def shortest_ttl(reply: dns.message.Message) -> int | None:
    """How long the whole reply may be kept: the smallest TTL of any record
    in its answer and authority sections (an NXDOMAIN carries only an SOA
    in its authority section, and that counts). None when both are empty.
    """
    ttls = [rrset.ttl for section in (reply.answer, reply.authority) for rrset in section]
    return min(ttls, default=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the TTL of every answer record.")
    parser.add_argument("name")
    parser.add_argument("type", nargs="?", default="A")
    parser.add_argument("--server", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8053)
    args = parser.parse_args(argv)
    reply = resolve(args.name, args.type, server=args.server, port=args.port)
    for line in ttl_lines(reply):
        print(line)
    print(f"; the whole reply may be kept {shortest_ttl(reply)} seconds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
