"""Part 8, exercise 2: what each server hears, with query-name minimisation.  (medium, 30 minutes)

Without minimisation, the root hears "www.example.test. AAAA": more than it
needs to send you on to test. RFC 9156 sends each server one label more
than the zone it serves, as type A, and the real question only to the
server that holds the whole name.

Write `next_question(name, rdtype, asked)`: `asked` is the longest part of
`name` the servers have seen so far (at first, the zone whose server we ask).
Return (qname, qtype): one label more than `asked`, with type A, or, when
that is the whole `name`, `name` with `rdtype`.

Then write `walk(name, rdtype, cuts)`: the questions a resolver sends,
from the root down, as (zone asked, qname, qtype) triples. `cuts` are the
zones of the tree (besides the root). A question whose name is a cut gets a
referral: the next questions go to that zone's servers. Any other name
below the zone gets an answer or NODATA (it exists, or it is an empty
non-terminal): the next question goes one label further, to the same zone.
The walk ends with the question for the whole name.

    walk("www.example.test.", "AAAA", {"test.", "example.test."})
    [(".", "test.", "A"), ("test.", "example.test.", "A"),
     ("example.test.", "www.example.test.", "AAAA")]

All names are absolute and compare without case; take and return them as
dns.name.Name (the zone of the root is dns.name.root); types as text.

    python exercises/part8/minimise.py a.b.c.example.test TXT

Grade your work with:  pytest --exercise part8

Reference solution.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

import dns.name


def next_question(name: dns.name.Name, rdtype: str,
                  asked: dns.name.Name) -> tuple[dns.name.Name, str]:
    """The next question about `name`, when the servers have seen `asked` so far."""
    qname = dns.name.Name(name.labels[-(len(asked.labels) + 1):])
    return (name, rdtype) if qname == name else (qname, "A")


def walk(name: str | dns.name.Name, rdtype: str,
         cuts: Iterable[str | dns.name.Name]) -> list[tuple[dns.name.Name, dns.name.Name, str]]:
    """(zone asked, qname, qtype) for each question sent, from the root down."""
    name = dns.name.from_text(name) if isinstance(name, str) else name
    zones = {dns.name.from_text(cut) if isinstance(cut, str) else cut for cut in cuts}
    zone = asked = dns.name.root
    questions = []
    while True:
        qname, qtype = next_question(name, rdtype, asked)
        questions.append((zone, qname, qtype))
        if qname in zones and qname != zone:
            zone = qname  # a referral: the child's servers get the next question
        elif qname == name:
            return questions
        asked = qname


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="What each server hears (RFC 9156).")
    parser.add_argument("name")
    parser.add_argument("type", nargs="?", default="A")
    parser.add_argument("--cut", action="append", default=["test.", "example.test."])
    args = parser.parse_args(argv)
    for zone, qname, qtype in walk(args.name, args.type, args.cut):
        print(f"{zone!s:>16} hears {qname} {qtype}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
