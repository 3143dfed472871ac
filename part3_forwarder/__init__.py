"""Part 3: a forwarder, and compose: local data first, then upstream resolvers.

    resolver = build_resolver(ResolverSettings(upstreams=["127.0.0.1:8054"],
                                               zones=["zones/home.lan.zone"]))
    await resolver.server().start("127.0.0.1", 8053)
"""

from .access import DEFAULT_ALLOW, AccessList, access_controlled
from .compose import compose, recursion_available
from .forwarder import Forwarder
from .hosts import HostsError, HostsProcessor
from .loop_guard import ForwardingLoopError, refuse_forwarding_loop
from .policy import transparent, with_policy
from .resolver import (
    FileError,
    Resolver,
    ResolverSettings,
    SetupError,
    build_resolver,
    describe,
    local_data_reloader,
)
from .upstream import Upstream, parse_upstream

__all__ = [
    "DEFAULT_ALLOW",
    "AccessList",
    "FileError",
    "Forwarder",
    "ForwardingLoopError",
    "HostsError",
    "HostsProcessor",
    "Resolver",
    "ResolverSettings",
    "SetupError",
    "Upstream",
    "access_controlled",
    "build_resolver",
    "compose",
    "describe",
    "local_data_reloader",
    "parse_upstream",
    "recursion_available",
    "refuse_forwarding_loop",
    "transparent",
    "with_policy",
]
