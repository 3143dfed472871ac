"""Part 8's resolver, assembled: part 4's, with the recursive resolver instead of the forwarder.

    caching = build_recursive_resolver(RecursiveSettings(root_hints="root.hints"))
    server = caching.server()

Everything part 4 has stays: the hosts file and local zones first, the
access list, the cache in front. Only what answers the rest changes.
"""

from __future__ import annotations

import dataclasses
import time

from part3_forwarder import FileError, SetupError
from part4_cache import Cache, CacheSettings, CachingResolver, build_caching_resolver
from part4_cache.cache import Clock

from .hints import RootHintsError, load_root_hints
from .iterator import DNS_PORT, RecursiveResolver


# --8<-- [start:settings]
@dataclasses.dataclass
class RecursiveSettings(CacheSettings):
    """Part 4's settings (no upstreams), and where to start."""

    root_hints: str | None = None  # the root's servers: a file like named.root
    authority_port: int = DNS_PORT  # the port every authority listens on (53; the lab's)
    qname_minimisation: bool = True  # RFC 9156: each server sees only what it needs
    randomise_case: bool = False  # 0x20: one more thing a spoofer must guess
# --8<-- [end:settings]


# --8<-- [start:build]
def build_recursive_resolver(settings: RecursiveSettings,
                             clock: Clock = time.monotonic) -> CachingResolver:
    """Part 4's caching resolver, asking the authorities itself from the root hints."""
    if settings.upstreams:
        raise SetupError("a recursive resolver asks the root itself: no --upstream")
    if not settings.root_hints:
        raise SetupError("give --root-hints FILE (or set DNS_ROOT_HINTS)")
    try:
        hints = load_root_hints(settings.root_hints)
    except RootHintsError as error:
        raise FileError(str(error)) from error
    # Delegations and name-server addresses: a cache of their own, with the
    # same bounds as the answers' cache.
    records = Cache(settings.cache_size, max_ttl=settings.max_ttl, clock=clock)
    recursive = RecursiveResolver(
        hints, cache=records, port=settings.authority_port, timeout=settings.timeout,
        qname_minimisation=settings.qname_minimisation, randomise_case=settings.randomise_case,
    )
    return build_caching_resolver(settings, clock, outward=recursive)
# --8<-- [end:build]
