"""python -m part4_cache --upstream HOST[:PORT] [--zone FILE] [--cache-size N] ...

The whole home resolver: part 3's composed resolver (hosts file, local zones,
forwarder, access list) with the cache in front. Every flag of parts 2 and 3
works here too; the cache adds its own.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
import time
from collections.abc import Sequence

from part2_server.cli import rate_limit_from
from part2_server.flags import env, whole_number
from part2_server.processor import Processor
from part2_server.ratelimit import ClientRateLimit
from part2_server.server import DnsServer
from part2_server.service import configure_logging, run, serve_until_signalled
from part3_forwarder.access import access_controlled
from part3_forwarder.cli import (
    Resolver,
    SetupError,
    add_forwarder_arguments,
    build_processor,
    built_or_exit,
    describe,
    local_data_reloader,
)

from .cache import Cache, Clock, Stats
from .processor import CachedProcessor, cached

logger = logging.getLogger(__name__)

STATS_INTERVAL = 60.0  # seconds between two statistics lines in the log


def _yes_no(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "yes", "true", "on")


# --8<-- [start:arguments]
def add_cache_arguments(parser: argparse.ArgumentParser) -> None:
    """Parts 2 and 3's flags, plus the cache's."""
    add_forwarder_arguments(parser)
    group = parser.add_argument_group("cache")
    group.add_argument(
        "--cache-size", metavar="N", type=whole_number, default=env("DNS_CACHE_SIZE", "10000"),
        help="most answers kept; the least recently used goes first "
        "(env DNS_CACHE_SIZE, default 10000)",
    )
    group.add_argument(
        "--min-ttl", metavar="S", type=whole_number, default=env("DNS_MIN_TTL", "0"),
        help="keep positive answers at least this long, whatever their TTL says "
        "(env DNS_MIN_TTL, default 0: obey the TTL)",
    )
    group.add_argument(
        "--max-ttl", metavar="S", type=whole_number, default=env("DNS_MAX_TTL", "86400"),
        help="keep nothing longer than this (env DNS_MAX_TTL, default 86400: a day)",
    )
    group.add_argument(
        "--max-negative-ttl", metavar="S", type=whole_number,
        default=env("DNS_MAX_NEGATIVE_TTL", "3600"),
        help="keep 'no such name' answers at most this long "
        "(env DNS_MAX_NEGATIVE_TTL, default 3600)",
    )
    group.add_argument(
        "--serve-stale", action=argparse.BooleanOptionalAction,
        default=_yes_no(env("DNS_SERVE_STALE")),
        help="when no upstream answers, give expired answers (TTL 30) kept up to a "
        "day, as RFC 8767 allows (env DNS_SERVE_STALE=yes; default off)",
    )
# --8<-- [end:arguments]


# --8<-- [start:build]
@dataclasses.dataclass
class CachingResolver:
    """Part 3's resolver with the cache in front, ready to serve."""

    resolver: Resolver
    cache: Cache
    cached: CachedProcessor
    processor: Processor  # what the server asks: access list, then cache, then part 3
    rate_limit: ClientRateLimit | None = None

    def server(self) -> DnsServer:
        return DnsServer(self.processor, fast_path=self.cached.fast_path,
                         rate_limit=self.rate_limit)


def build_resolver(args: argparse.Namespace, clock: Clock = time.monotonic) -> CachingResolver:
    """The resolver of part 3 with a cache, from parsed flags."""
    if args.min_ttl > args.max_ttl:
        raise SetupError(f"--min-ttl {args.min_ttl} is above --max-ttl {args.max_ttl}")
    if args.cache_size < 1:
        raise SetupError("--cache-size must be at least 1")
    resolver = build_processor(args)
    cache = Cache(
        args.cache_size, min_ttl=args.min_ttl, max_ttl=args.max_ttl,
        max_negative_ttl=args.max_negative_ttl, serve_stale=args.serve_stale, clock=clock,
    )
    # The cache goes inside the access list, so a refused client is refused
    # even for cached names; the fast path checks the same list itself.
    inner = cached(resolver.unguarded, cache, allow=resolver.access.allows)
    return CachingResolver(resolver, cache, inner, access_controlled(inner, resolver.access),
                           rate_limit_from(args))
# --8<-- [end:build]


# --8<-- [start:stats]
def log_stats(cache: Cache) -> None:
    logger.info("cache: %s", cache.stats.summary())


async def log_stats_every(cache: Cache, interval: float = STATS_INTERVAL) -> None:
    """Log the statistics every `interval` seconds while something happens."""
    last = Stats()
    while True:
        await asyncio.sleep(interval)
        stats = dataclasses.replace(cache.stats)
        if stats != last:
            log_stats(cache)
            last = stats
# --8<-- [end:stats]


async def serve(caching: CachingResolver, args: argparse.Namespace) -> None:
    """Serve until SIGTERM or Ctrl-C; SIGUSR1 logs the statistics, as dnsmasq does."""
    reload = None
    reload_local_data = local_data_reloader(caching.resolver, args)
    if reload_local_data is not None:

        def reload() -> None:
            reload_local_data()
            caching.cache.clear()  # so the edited files show at once, not after their TTLs

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, log_stats, caching.cache)
    ticker = asyncio.create_task(log_stats_every(caching.cache))
    what = f"{describe(caching.resolver, args.local_policy)}, caching {args.cache_size} answers"
    try:
        await serve_until_signalled(caching.server(), args.host, args.port, what=what,
                                    reload=reload)
    finally:
        ticker.cancel()
        log_stats(caching.cache)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part4_cache",
        description="A caching home resolver: hosts file and local zones first, "
        "everything else forwarded upstream, answers cached as their TTLs allow.",
    )
    add_cache_arguments(parser)
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    caching = built_or_exit(parser, build_resolver, args)
    run(serve(caching, args), args.event_loop)
