"""How much work one client question may cost, as unbound limits it.

A resolver that follows referrals can be led anywhere: a CNAME chain that
never ends, two zones whose name servers are named in each other, a
referral that points back up the tree, a zone with a hundred dead servers.
Each of these would keep a naive resolver busy forever, or make it an
amplifier that sends thousands of queries for one question. So every client
question gets a budget, and running out of it is SERVFAIL.

The numbers are unbound's (iterator/iterator.h): MAX_REFERRAL_COUNT,
MAX_RESTART_COUNT (CNAME hops), MAX_SENT_COUNT (queries sent), and the depth
of lookups of name-server names that need lookups of their own
(target-fetch-policy, "3 2 1 0 0": five levels).
"""

from __future__ import annotations

import dataclasses

import dns.name


class LimitReached(Exception):
    """A client question used up one of its budgets; the message says which."""


# --8<-- [start:limits]
@dataclasses.dataclass(frozen=True)
class Limits:
    referrals: int = 130  # unbound's MAX_REFERRAL_COUNT
    cname_hops: int = 8  # unbound's MAX_RESTART_COUNT
    queries: int = 32  # unbound's MAX_SENT_COUNT: queries sent to authorities
    depth: int = 4  # nested lookups of name-server names without glue
    minimise: int = 10  # unbound's MAX_MINIMISE_COUNT: minimised queries per lookup


@dataclasses.dataclass
class Budget:
    """What one client question has used so far."""

    limits: Limits = Limits()
    referrals: int = 0
    cname_hops: int = 0
    queries: int = 0
    in_progress: set[tuple[dns.name.Name, int]] = dataclasses.field(default_factory=set)

    def referral(self) -> None:
        self.referrals += 1
        if self.referrals > self.limits.referrals:
            raise LimitReached(f"more than {self.limits.referrals} referrals")

    def cname_hop(self) -> None:
        self.cname_hops += 1
        if self.cname_hops > self.limits.cname_hops:
            raise LimitReached(f"a CNAME chain longer than {self.limits.cname_hops}")

    def query(self) -> None:
        self.queries += 1
        if self.queries > self.limits.queries:
            raise LimitReached(f"more than {self.limits.queries} queries sent")
# --8<-- [end:limits]
