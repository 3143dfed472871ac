"""Part 1, exercise 3: resolve from the root, by hand.  (hard, about an hour)

Your client has always asked a resolver, which did the real work. Here you
do that work yourself: start at a root server and follow the referrals down
the tree until a server that is the authority for the name answers.

    root server:          "I don't know www.example.test, ask the servers of
                           test.: ns.nic.test., whose address is 127.0.0.12"
    test. server:         "ask example.test.'s servers: ns.example.test. at
                           127.0.0.13"
    example.test. server: "www.example.test. A 192.0.2.80" (AA=1: the authority)

Rules:
* send iterative queries: clear the RD (recursion desired) flag, since a root
  or zone server does not recurse for you;
* every server listens on the same `port` (in the real DNS it is 53);
  only the addresses differ;
* a referral is a reply with NS records in its authority section and no
  answer. Their addresses ("glue") are usually in the additional section.
  When a referral has no glue, find the address of one of the NS names by
  resolving it from the root too;
* a referral must lead closer to the name: to a zone below the one whose
  server sent it. Anything else, or more than MAX_REFERRALS referrals in
  all, raises IterationError;
* an authoritative answer may be a CNAME to a name in another zone: then
  resolve the target from the root;
* NXDOMAIN raises part1_client.NegativeAnswer; a name without records of
  the type (NODATA) gives an empty list; a server that does not answer is
  skipped for the next address of the same zone.

Try it on the small tree the grading tests use: start it in one terminal,

    python exercises/part1/tree.py

then ask from another:

    python exercises/part1/iterate.py www.example.test --root 127.0.0.11 --port 8053

Grade your work with:  pytest --exercise part1

When it passes, read part 8 (docs/part8.md, "Ask the root yourself"): the same
walk as a real resolver, with a cache, bailiwick checks, failover and limits.
"""

from __future__ import annotations

import argparse

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from part1_client import (  # noqa: F401 (you will need them all)
    NegativeAnswer,
    ResolveTimeout,
    exchange,
    make_query,
)
from part1_client.resolve import run_sync

MAX_REFERRALS = 16


class IterationError(Exception):
    """The walk down the tree went wrong: a bad or looping referral, no server left."""


def ask(server: str, port: int, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
        ) -> dns.message.Message:
    """One iterative question (RD=0) to one server; ResolveTimeout if it is silent."""
    query = make_query(name, rdtype)
    query.flags &= ~dns.flags.RD
    return run_sync(exchange(query, server, port, timeout=1.0, tries=1))


def iterate(name: str, rdtype: str = "A", *, root: str, port: int = 53) -> list[str]:
    """The records of type `rdtype` for `name`, as text, found from the root down."""
    raise NotImplementedError("exercise: write iterate")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Resolve a name from the root, by hand.")
    parser.add_argument("name")
    parser.add_argument("type", nargs="?", default="A")
    parser.add_argument("--root", required=True, help="address of a root server")
    parser.add_argument("--port", type=int, default=53)
    args = parser.parse_args(argv)
    for value in iterate(args.name, args.type, root=args.root, port=args.port):
        print(value)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
