"""python -m part8_recursive --root-hints FILE [--zone FILE] [--cache-size N] ...

Only the command line: part 4's flags without --upstream, plus where to
start and how to ask, read into `RecursiveSettings` and handed to
`build_recursive_resolver` (resolver.py). `--trace NAME [TYPE]` resolves
one name, shows each referral on the way, as `dig +trace` does, and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from part2_server.cli import check_workers
from part2_server.options import env, env_flag, port_number, settings_from
from part2_server.service import configure_logging, run
from part3_forwarder.cli import built_or_exit
from part4_cache.cli import add_cache_arguments
from part4_cache.service import serve

from .resolver import RecursiveSettings, build_recursive_resolver
from .trace import trace


# --8<-- [start:arguments]
def add_recursive_arguments(parser: argparse.ArgumentParser) -> None:
    """Part 4's flags (but --upstream), plus the recursive resolver's."""
    add_cache_arguments(parser, upstream=False)
    group = parser.add_argument_group("recursion")
    group.add_argument(
        "--root-hints", metavar="FILE", default=env("DNS_ROOT_HINTS"),
        help="the root's name servers and addresses, as in named.root (env DNS_ROOT_HINTS)",
    )
    group.add_argument(
        "--authority-port", metavar="PORT", type=port_number,
        default=env("DNS_AUTHORITY_PORT", "53"),
        help="the port the authorities listen on (env DNS_AUTHORITY_PORT, default 53; "
        "another only for a lab whose servers cannot have 53)",
    )
    group.add_argument(
        "--qname-minimisation", action=argparse.BooleanOptionalAction,
        default=env_flag("DNS_QNAME_MINIMISATION", "yes"),
        help="send each server only the part of the name it needs (RFC 9156) "
        "(env DNS_QNAME_MINIMISATION, default yes)",
    )
    group.add_argument(
        "--randomise-case", action=argparse.BooleanOptionalAction,
        default=env_flag("DNS_RANDOMISE_CASE"),
        help="0x20: mix the case of the names we send, and check it comes back "
        "(env DNS_RANDOMISE_CASE, default no)",
    )
    group.add_argument(
        "--trace", nargs="+", metavar=("NAME", "TYPE"),
        help="resolve NAME (type A, or TYPE) once, print each query and referral, and exit",
    )
# --8<-- [end:arguments]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part8_recursive",
        description="A recursive home resolver: hosts file and local zones first, "
        "everything else looked up from the root down, answers cached.",
    )
    add_recursive_arguments(parser)
    args = parser.parse_args(argv)
    if args.trace and len(args.trace) > 2:
        parser.error("--trace takes NAME and at most one TYPE")
    check_workers(parser, args)
    configure_logging(args.log_level, args.workers)
    caching = built_or_exit(parser, build_recursive_resolver,
                            settings_from(args, RecursiveSettings))
    if args.trace:
        name, rdtype = [*args.trace, "A"][:2]
        sys.exit(asyncio.run(trace(caching.resolver.outward, name, rdtype, sys.stdout)))
    run(serve(caching, reuse_port=args.workers > 1), args.event_loop, args.workers)
