"""Local-zone policies: how much of a name space a local zone claims.

Borrowed from Unbound's local-zone types:

static (the default)
    The zone answers everything at or below its origin, "no such name"
    (NXDOMAIN) and "no such type" (NODATA) included. Right for a name space
    that is only yours: home.arpa, a lab.test.
transparent
    The zone answers what it has; for a name or a type it does not have, the
    query falls through to the next processor (normally the forwarder). Right
    for overriding a few names of a real domain and forwarding the rest.
    (This is what Unbound calls "typetransparent"; Unbound's "transparent"
    still answers NODATA for a local name asked with another type.)

A referral (the zone delegates the name to other servers) is treated as
"nothing here" in transparent mode: a stub resolver cannot follow a referral,
and the upstream can resolve the delegated name for real. In static mode the
zone's referral is the answer, exactly as the authoritative server would give.
"""

from __future__ import annotations

import dns.message
import dns.rcode

from part2_server.processor import Endpoint, Processor

POLICIES = ("static", "transparent")


# --8<-- [start:transparent]
def transparent(zone: Processor) -> Processor:
    """`zone`, saying None (fall through) wherever it has no data for the question."""

    async def zone_or_nothing(
        query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message | None:
        reply = await zone(query, src=src, dst=dst)
        if reply is None or has_no_data(reply):
            return None
        return reply

    return zone_or_nothing


def has_no_data(reply: dns.message.Message) -> bool:
    """NXDOMAIN, NODATA or a referral: an empty answer to an answerable question.

    An answer section that is not empty (a CNAME, say, even one whose target
    does not exist) is the zone's own data for the name, so it stands.
    """
    return reply.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) and not reply.answer
# --8<-- [end:transparent]


def with_policy(zone: Processor, policy: str) -> Processor:
    """`zone` under a local-zone policy, "static" or "transparent"."""
    if policy == "static":
        return zone  # the zone processor of part 2 already answers everything it holds
    if policy == "transparent":
        return transparent(zone)
    raise ValueError(f"unknown local-zone policy {policy!r}; use one of {', '.join(POLICIES)}")
