"""Part 1, exercise 2: follow CNAMEs by hand.       (medium, about 30 minutes)

A CNAME says "this name is another name for that one". A resolver usually
puts the whole chain in its answer, but an authoritative server for one zone
cannot: when the target lives in another zone, the answer stops at the
CNAME and the client must ask again, for the target. That is your job here.

    www.shop.test.    CNAME  web.cdn.test.     <- first answer stops here
    web.cdn.test.     CNAME  edge.cdn.test.    <- ask again for the target
    edge.cdn.test.    A      192.0.2.7         <- and again: the address

Rules:
* ask for `rdtype` at each name of the chain, one query per name, with
  part1_client.resolve, until a name owns records of that type;
* if a reply happens to contain the next links already, you may skip the
  queries they answer, but you must not trust records for names that are
  not on the chain;
* a chain that comes back to a name already visited, or that has more than
  MAX_LINKS links, raises CnameLoop (a real resolver gives up too);
* a name at the end of the chain with no such records (NODATA or NXDOMAIN)
  gives an empty list of values.

    python exercises/part1/follow_cnames.py www.example.test --port 8053

Grade your work with:  pytest --exercise part1
"""

from __future__ import annotations

import argparse
import dataclasses

import dns.name
import dns.rdatatype  # noqa: F401 (you will need it)

from part1_client import resolve  # noqa: F401 (you will need it)

MAX_LINKS = 8


class CnameLoop(Exception):
    """The chain loops, or is longer than MAX_LINKS."""


@dataclasses.dataclass
class Resolution:
    chain: list[str]    # every name visited, from the one asked to the one that owns the data
    values: list[str]   # the records of the asked type at the end, as text ("192.0.2.7")


def follow_cnames(name: str, rdtype: str = "A", *, server: str, port: int = 53) -> Resolution:
    """Resolve `name`, asking again for each CNAME target the answers stop at.

    Names in `chain` are absolute, as text: "www.shop.test.".
    """
    raise NotImplementedError("exercise: write follow_cnames")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Resolve a name, following CNAMEs by hand.")
    parser.add_argument("name")
    parser.add_argument("type", nargs="?", default="A")
    parser.add_argument("--server", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8053)
    args = parser.parse_args(argv)
    result = follow_cnames(args.name, args.type, server=args.server, port=args.port)
    print(" -> ".join(result.chain))
    for value in result.values:
        print(value)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
