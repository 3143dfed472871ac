"""Part 7, exercise 3: prove NXDOMAIN.    (hard, about 45 minutes)

"nope.example. does not exist" needs two proofs (RFC 4035 s5.4, RFC 4592):

1. an NSEC that *covers* the name: its owner sorts before the name and its
   `next` after it, in canonical order; the last NSEC of a zone points back
   to the apex, and covers every name after its owner;
2. an NSEC that covers the *wildcard* that could have answered instead:
   `*.<closest encloser>`, where the closest encloser is the longest
   ancestor of the name that exists. The covering NSEC of step 1 shows it:
   it is the deeper of the name's common ancestors with the NSEC's owner and
   with its `next` name.

    proves_nxdomain(name, nsecs) -> bool

Useful: `a < b` compares names canonically; `name.fullcompare(other)[2]` is
the number of labels two names have in common (the root included), and
`name.split(n)[1]` is the last n labels of a name.

Grade your work with:  pytest --exercise part7
"""

from __future__ import annotations

import dns.name
import dns.rrset


def covers(owner: dns.name.Name, next_name: dns.name.Name, name: dns.name.Name) -> bool:
    """Does the gap from `owner` to `next_name` (an NSEC) hold `name`?"""
    raise NotImplementedError("exercise: write covers")


def closest_encloser(name: dns.name.Name, owner: dns.name.Name,
                     next_name: dns.name.Name) -> dns.name.Name:
    """The longest existing ancestor of `name`, from the NSEC that covers it."""
    raise NotImplementedError("exercise: write closest_encloser")


def proves_nxdomain(name: dns.name.Name, nsecs: list[dns.rrset.RRset]) -> bool:
    """Do `nsecs` prove that `name` does not exist, and no wildcard answers for it?"""
    raise NotImplementedError("exercise: write proves_nxdomain")
