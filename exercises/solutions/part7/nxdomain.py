"""Part 7, exercise 3: prove NXDOMAIN (a solution)."""

from __future__ import annotations

import dns.name
import dns.rrset


def covers(owner: dns.name.Name, next_name: dns.name.Name, name: dns.name.Name) -> bool:
    """Does the gap from `owner` to `next_name` (an NSEC) hold `name`?"""
    if owner < next_name:
        return owner < name < next_name
    return name > owner   # the last NSEC: it wraps around to the apex


def closest_encloser(name: dns.name.Name, owner: dns.name.Name,
                     next_name: dns.name.Name) -> dns.name.Name:
    """The longest existing ancestor of `name`, from the NSEC that covers it."""
    shared = max(name.fullcompare(owner)[2], name.fullcompare(next_name)[2])
    return name.split(shared)[1]


def proves_nxdomain(name: dns.name.Name, nsecs: list[dns.rrset.RRset]) -> bool:
    """Do `nsecs` prove that `name` does not exist, and no wildcard answers for it?"""
    for nsec in nsecs:
        if covers(nsec.name, nsec[0].next, name):
            encloser = closest_encloser(name, nsec.name, nsec[0].next)
            wildcard = dns.name.Name((b"*", *encloser.labels))
            return any(covers(other.name, other[0].next, wildcard) for other in nsecs)
    return False
