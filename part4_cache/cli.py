"""python -m part4_cache --upstream HOST[:PORT] [--zone FILE] [--cache-size N] ...

Only the command line: every flag of parts 2 and 3, plus the cache's, read
into `CacheSettings` and handed to `build_caching_resolver` (resolver.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from part2_server.cli import check_workers
from part2_server.options import env, env_flag, settings_from, whole_number
from part2_server.service import configure_logging, run
from part3_forwarder.cli import add_forwarder_arguments, built_or_exit

from .resolver import CacheSettings, build_caching_resolver
from .service import serve


# --8<-- [start:arguments]
def add_cache_arguments(parser: argparse.ArgumentParser, *, upstream: bool = True) -> None:
    """Parts 2 and 3's flags, plus the cache's."""
    add_forwarder_arguments(parser, upstream=upstream)
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
        default=env_flag("DNS_SERVE_STALE"),
        help="when no upstream answers, give expired answers (TTL 30) kept up to a "
        "day, as RFC 8767 allows (env DNS_SERVE_STALE=yes; default off)",
    )
# --8<-- [end:arguments]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part4_cache",
        description="A caching home resolver: hosts file and local zones first, "
        "everything else forwarded upstream, answers cached as their TTLs allow.",
    )
    add_cache_arguments(parser)
    args = parser.parse_args(argv)
    check_workers(parser, args)
    configure_logging(args.log_level, args.workers)
    caching = built_or_exit(parser, build_caching_resolver, settings_from(args, CacheSettings))
    # With --workers, each worker has its own copy of the cache.
    run(serve(caching, reuse_port=args.workers > 1), args.event_loop, args.workers)
