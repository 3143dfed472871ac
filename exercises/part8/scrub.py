"""Part 8, exercise 1: scrub a reply to what its server may say.  (easy, about 20 minutes)

A server is an authority for its own zone, and nothing else. Write
`scrub(reply, zone)`: a copy of `reply` (from a server we asked as an
authority for `zone`) that keeps only

* answer RRsets whose owner is `zone` or a name below it;
* authority RRsets whose owner is `zone` or below it (an SOA, or the NS
  records of a referral to a child zone);
* additional A and AAAA RRsets for the name servers named by the NS records
  kept in the authority section, and only when their owner is `zone` or
  below it (glue comes from the parent's own data, nowhere else).

Everything else is dropped. Names compare without case. The reply's ID,
flags, rcode and question stay as they were. `in_zone` is the helper to
write first.

    python exercises/part8/scrub.py

prints a poisoned reply before and after. Grade your work with:
pytest --exercise part8
"""

from __future__ import annotations

import copy  # noqa: F401 (copy.deepcopy(reply) is a good start: leave `reply` alone)

import dns.message
import dns.name
import dns.rdatatype
import dns.rrset


def in_zone(name: dns.name.Name, zone: dns.name.Name) -> bool:
    """Is `name` the apex of `zone` or a name below it?"""
    raise NotImplementedError("exercise: write in_zone")


def scrub(reply: dns.message.Message, zone: dns.name.Name) -> dns.message.Message:
    """`reply` without what a server for `zone` has no say over."""
    raise NotImplementedError("exercise: write scrub")

def main() -> int:
    query = dns.message.make_query("www.evil.test.", "A")
    reply = dns.message.make_response(query)
    reply.answer = [dns.rrset.from_text("www.evil.test.", 60, "IN", "A", "192.0.2.66"),
                    dns.rrset.from_text("www.example.test.", 60, "IN", "A", "203.0.113.66")]
    reply.additional = [dns.rrset.from_text("ns1.example.test.", 60, "IN", "A", "203.0.113.66")]
    print(reply, "\n\nscrubbed for evil.test.:\n")
    print(scrub(reply, dns.name.from_text("evil.test.")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
