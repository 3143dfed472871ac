"""Part 3: a forwarder, and compose: local data first, then upstream resolvers."""

from .access import DEFAULT_ALLOW, AccessList, access_controlled
from .compose import compose, recursion_available
from .forwarder import Forwarder
from .hosts import HostsError, HostsProcessor
from .loop import ForwardingLoopError, refuse_forwarding_loop
from .policy import transparent, with_policy
from .upstream import Upstream, parse_upstream

__all__ = [
    "DEFAULT_ALLOW",
    "AccessList",
    "Forwarder",
    "ForwardingLoopError",
    "HostsError",
    "HostsProcessor",
    "Upstream",
    "access_controlled",
    "compose",
    "parse_upstream",
    "recursion_available",
    "refuse_forwarding_loop",
    "transparent",
    "with_policy",
]
