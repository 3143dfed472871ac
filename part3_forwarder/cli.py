"""python -m part3_forwarder --upstream HOST[:PORT] [--zone FILE] [--hosts FILE] ...

Builds the home resolver of part 3 from flags: the hosts file, then the local
zones (under their policy), then the forwarder, all behind the access list.
Part 4 reuses `add_forwarder_arguments` and `build_processor` and puts its
cache in between.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from part2_server.authority import ZoneProcessor
from part2_server.cli import add_server_arguments, describe_zones, rate_limit_from, reloader
from part2_server.flags import AppendReplacingDefault, env, env_list, positive_float
from part2_server.processor import Processor
from part2_server.server import DnsServer
from part2_server.service import configure_logging, run, serve_until_signalled
from part2_server.zones import ZoneError, load_zones

from .access import DEFAULT_ALLOW, AccessList, access_controlled, parse_network
from .compose import compose, recursion_available
from .forwarder import Forwarder
from .hosts import HostsError, HostsProcessor
from .loop import refuse_forwarding_loop
from .policy import POLICIES, with_policy
from .upstream import Upstream, parse_upstream

logger = logging.getLogger(__name__)
T = TypeVar("T")


class SetupError(Exception):
    """The flags or files do not make a resolver we can start; the message says why."""


class FileError(SetupError):
    """A zone or hosts file could not be loaded; the message names the file (and line)."""


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
def add_forwarder_arguments(parser: argparse.ArgumentParser) -> None:
    """Part 2's server flags, plus the forwarder's."""
    add_server_arguments(parser)
    group = parser.add_argument_group("forwarding")
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


# --8<-- [start:resolver]
@dataclasses.dataclass
class Resolver:
    """The processors `build_processor` made, for serving or for wrapping further."""

    processor: Processor  # serve this: access control around everything below
    unguarded: Processor  # the same without access control (part 4's cache goes here)
    access: AccessList  # part 4's fast path checks it before answering from bytes
    forwarder: Forwarder
    zones: ZoneProcessor | None
    hosts: HostsProcessor | None


def build_processor(args: argparse.Namespace) -> Resolver:
    """The composed resolver: hosts file, local zones, forwarder; behind the access list."""
    try:
        upstreams = [u if isinstance(u, Upstream) else parse_upstream(u) for u in args.upstreams]
        if not upstreams:
            raise SetupError(
                "no upstream to forward to: give --upstream HOST[:PORT] (or set DNS_UPSTREAMS)"
            )
        if args.local_policy not in POLICIES:  # argparse checks the flag, not DNS_LOCAL_POLICY
            raise SetupError(f"unknown local-zone policy {args.local_policy!r}: "
                             f"use {' or '.join(POLICIES)}")
        refuse_forwarding_loop(upstreams, args.host, args.port)
        access = AccessList(args.allow)
    except ValueError as error:
        raise SetupError(str(error)) from error
    try:
        hosts = HostsProcessor(args.hosts) if args.hosts else None
        zones = ZoneProcessor(load_zones(args.zones, args.origin)) if args.zones else None
    except (HostsError, ZoneError, OSError) as error:
        raise FileError(str(error)) from error
    local = [] if hosts is None else [hosts]
    if zones is not None:
        local.append(with_policy(zones, args.local_policy))
    forwarder = Forwarder(upstreams, timeout=args.timeout)
    # Local data first, in this order: the hosts file overrides everything, as
    # /etc/hosts does on a single machine; the forwarder gets what is left.
    unguarded = recursion_available(compose(*local, forwarder))
    return Resolver(
        processor=access_controlled(unguarded, access),
        unguarded=unguarded, access=access, forwarder=forwarder, zones=zones, hosts=hosts,
    )
# --8<-- [end:resolver]


def describe(resolver: Resolver, policy: str) -> str:
    """One line for the start-up log: what answers, in which order."""
    parts = []
    if resolver.hosts is not None:
        parts.append(f"hosts {resolver.hosts.path}")
    if resolver.zones is not None:
        parts.append(f"{describe_zones(resolver.zones.zones)} ({policy})")
    parts.append(f"forwarding to {', '.join(map(str, resolver.forwarder.upstreams))}")
    return ", then ".join(parts)


def local_data_reloader(resolver: Resolver, args: argparse.Namespace
                        ) -> Callable[[], None] | None:
    """A SIGHUP handler that reads the zones and the hosts file again, if there are any."""
    reloads = []
    if resolver.zones is not None:
        reloads.append(reloader(resolver.zones, args.zones, args.origin))
    if resolver.hosts is not None:
        reloads.append(resolver.hosts.reload)
    if not reloads:
        return None

    def reload() -> None:
        for each in reloads:
            each()

    return reload


def built_or_exit(parser: argparse.ArgumentParser, build: Callable[[argparse.Namespace], T],
                  args: argparse.Namespace) -> T:
    """`build(args)`, or stop the program saying why (parts 3 and 4 share this)."""
    try:
        return build(args)
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
    configure_logging(args.log_level)
    resolver = built_or_exit(parser, build_processor, args)
    server = DnsServer(resolver.processor, rate_limit=rate_limit_from(args))
    run(
        serve_until_signalled(
            server, args.host, args.port,
            what=describe(resolver, args.local_policy),
            reload=local_data_reloader(resolver, args),
        ),
        args.event_loop,
    )
