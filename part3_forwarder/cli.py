"""python -m part3_forwarder --upstream HOST[:PORT] [--zone FILE] [--hosts FILE] ...

Only the command line: it reads the flags into `ResolverSettings` and hands
them to `build_resolver` (resolver.py), which assembles the resolver. Part 4's
command line adds its flags to these.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from part2_server.cli import add_server_arguments, check_workers
from part2_server.options import (
    AppendReplacingDefault,
    env,
    env_list,
    positive_float,
    settings_from,
)
from part2_server.service import configure_logging, run, serve_until_signalled

from .access import DEFAULT_ALLOW, parse_network
from .policy import POLICIES
from .resolver import (
    FileError,
    ResolverSettings,
    SetupError,
    build_resolver,
    describe,
    local_data_reloader,
)
from .upstream import parse_upstream

T = TypeVar("T")


def _flag_type(parse: Callable[[str], object]) -> Callable[[str], object]:
    """`parse` as an argparse type, so its own error message reaches the user."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


# --8<-- [start:arguments]
def add_forwarder_arguments(parser: argparse.ArgumentParser, *, upstream: bool = True) -> None:
    """Part 2's server flags, plus the forwarder's (without --upstream: part 8's)."""
    add_server_arguments(parser)
    group = parser.add_argument_group("forwarding")
    if upstream:
        group.add_argument(
            "--upstream", dest="upstreams", metavar="HOST[:PORT]", action=AppendReplacingDefault,
            type=_flag_type(parse_upstream), default=env_list("DNS_UPSTREAMS"),
            help="resolver to forward to, repeatable, asked in this order "
            "(env DNS_UPSTREAMS, space-separated); IPv6 with a port: [::1]:53",
        )
    group.add_argument(
        "--local-policy", choices=POLICIES, default=env("DNS_LOCAL_POLICY", "static"),
        help="static: the zones answer all names under them, NXDOMAIN included; "
        "transparent: names and types they lack are forwarded (env DNS_LOCAL_POLICY)",
    )
    group.add_argument(
        "--hosts", metavar="FILE", default=env("DNS_HOSTS_FILE"),
        help="an /etc/hosts-format file answered as A, AAAA and PTR, TTL 0 (env DNS_HOSTS_FILE)",
    )
    group.add_argument(
        "--allow", metavar="CIDR", action=AppendReplacingDefault,
        type=_flag_type(parse_network), default=env_list("DNS_ALLOW") or list(DEFAULT_ALLOW),
        help="network whose clients get answers, repeatable; replaces the default "
        "(loopback, RFC 1918, ULA, link-local) (env DNS_ALLOW)",
    )
    group.add_argument(
        "--timeout", metavar="S", type=positive_float, default=env("DNS_TIMEOUT", "4"),
        help="seconds before a client gets SERVFAIL when no upstream answers "
        "(env DNS_TIMEOUT, default 4: under the 5 s a stub resolver waits)",
    )
# --8<-- [end:arguments]


def built_or_exit(parser: argparse.ArgumentParser, build: Callable[..., T], *args: object) -> T:
    """`build(*args)`, or stop the program saying why (parts 3 and 4 share this)."""
    try:
        return build(*args)
    except FileError as error:
        sys.exit(f"error: {error}")  # a file to fix, not a flag: no usage message
    except SetupError as error:
        parser.error(str(error))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part3_forwarder",
        description="A home resolver: hosts file and local zones first, "
        "everything else forwarded to upstream resolvers.",
    )
    add_forwarder_arguments(parser)
    args = parser.parse_args(argv)
    check_workers(parser, args)
    configure_logging(args.log_level, args.workers)
    resolver = built_or_exit(parser, build_resolver, settings_from(args, ResolverSettings))
    run(
        serve_until_signalled(
            resolver.server(), args.host, args.port,
            what=describe(resolver), reload=local_data_reloader(resolver),
            reuse_port=args.workers > 1,
        ),
        args.event_loop,
        args.workers,
    )
