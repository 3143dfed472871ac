"""The whole home resolver: part 3's resolver with the cache in front.

The composition root of part 4, like part 3's resolver.py: plain settings
in, processors out. The command line (cli.py) only fills the settings.

    caching = build_caching_resolver(CacheSettings(upstreams=["127.0.0.1:8054"]))
    server = caching.server()
"""

from __future__ import annotations

import dataclasses
import time

from part2_server import DnsServer, Processor
from part2_server.ratelimit import client_rate_limit
from part2_server.server import MissPath
from part3_forwarder import (
    Resolver,
    ResolverSettings,
    SetupError,
    access_controlled,
    build_resolver,
    describe,
)

from .cache import Cache, Clock
from .caching import CachedProcessor, cached
from .misses import BytesForwarder


# --8<-- [start:settings]
@dataclasses.dataclass
class CacheSettings(ResolverSettings):
    """Part 3's settings, and the cache's."""

    cache_size: int = 10_000  # most answers kept; the least recently used goes first
    min_ttl: int = 0  # keep positive answers at least this long
    max_ttl: int = 86_400  # keep nothing longer than a day
    max_negative_ttl: int = 3_600  # "no such name" at most an hour
    serve_stale: bool = False  # RFC 8767: expired answers when no upstream answers
# --8<-- [end:settings]


# --8<-- [start:build]
@dataclasses.dataclass
class CachingResolver:
    """Part 3's resolver with the cache in front, ready to serve."""

    resolver: Resolver
    cache: Cache
    cached: CachedProcessor
    processor: Processor  # what the server asks: access list, then cache, then part 3

    def server(self) -> DnsServer:
        return DnsServer(self.processor, fast_path=self.cached.fast_path,
                         miss_path=self.miss_path(),
                         rate_limit=client_rate_limit(self.resolver.settings.rate_limit),
                         max_udp_reply=self.resolver.settings.max_udp_reply)

    def miss_path(self) -> MissPath | None:
        """The cache's miss path on bytes, when every upstream asks on bytes (UDP, TLS)."""
        return self.cached.miss_path if self.cached.upstream is not None else None


def build_caching_resolver(settings: CacheSettings, clock: Clock = time.monotonic,
                           outward: Processor | None = None) -> CachingResolver:
    """The resolver of part 3 with a cache (`outward`: instead of the forwarder)."""
    if settings.min_ttl > settings.max_ttl:
        raise SetupError(f"--min-ttl {settings.min_ttl} is above --max-ttl {settings.max_ttl}")
    if settings.cache_size < 1:
        raise SetupError("--cache-size must be at least 1")
    resolver = build_resolver(settings, outward)
    cache = Cache(
        settings.cache_size, min_ttl=settings.min_ttl, max_ttl=settings.max_ttl,
        max_negative_ttl=settings.max_negative_ttl, serve_stale=settings.serve_stale,
        clock=clock,
    )
    # The cache goes inside the access list, so a refused client is refused
    # even for cached names; the fast path checks the same list itself.
    inner = cached(resolver.unguarded, cache, allow=resolver.access.allows,
                   upstream=BytesForwarder.for_resolver(resolver),
                   max_udp_reply=settings.max_udp_reply)
    return CachingResolver(resolver, cache, inner, access_controlled(inner, resolver.access))
# --8<-- [end:build]


def describe_caching(caching: CachingResolver) -> str:
    """One line for the start-up log."""
    return f"{describe(caching.resolver)}, caching {caching.cache.max_entries} answers"
