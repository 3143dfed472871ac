"""The home resolver of part 3, assembled: hosts file, local zones, forwarder.

This is the composition root. It takes plain settings (the command line
fills them from flags, a test or a notebook writes them by hand) and returns
the processors, ready to serve or to wrap further (part 4 puts its cache in
between).

    resolver = build_resolver(ResolverSettings(upstreams=["127.0.0.1:8054"]))
    server = resolver.server()
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from part1_client.sizes import EDNS_PAYLOAD
from part2_server import DnsServer, Processor, ZoneError, ZoneProcessor, load_zones
from part2_server.ratelimit import client_rate_limit
from part2_server.service import describe_zones, zone_reloader

from .access import DEFAULT_ALLOW, AccessList, Network, access_controlled
from .compose import compose, recursion_available
from .forwarder import Forwarder
from .hosts import HostsError, HostsProcessor
from .loop_guard import refuse_forwarding_loop
from .policy import POLICIES, with_policy
from .upstream import Upstream, parse_upstream


class SetupError(Exception):
    """The settings do not make a resolver we can start; the message says why."""


class FileError(SetupError):
    """A zone or hosts file could not be loaded; the message names the file (and line)."""


# --8<-- [start:settings]
@dataclasses.dataclass
class ResolverSettings:
    """Everything the resolver of part 3 is built from. The flags have the same names."""

    upstreams: Sequence[Upstream | str] = ()  # asked in this order
    zones: Sequence[str] = ()  # zone files answered locally
    origin: str | None = None  # for a zone file without $ORIGIN
    hosts: str | None = None  # an /etc/hosts-format file
    local_policy: str = "static"  # see policy.py
    allow: Sequence[Network | str] = DEFAULT_ALLOW  # who gets answers
    timeout: float = 4.0  # seconds before a client gets SERVFAIL
    host: str = "127.0.0.1"  # where we listen: only to refuse forwarding to ourselves
    port: int = 8053
    rate_limit: float = 0.0  # queries a second per client; 0: no limit
    max_udp_reply: int = EDNS_PAYLOAD  # larger UDP replies are truncated (TC=1)
# --8<-- [end:settings]


# --8<-- [start:resolver]
@dataclasses.dataclass
class Resolver:
    """The processors `build_resolver` made, for serving or for wrapping further."""

    settings: ResolverSettings
    processor: Processor  # serve this: access control around everything below
    unguarded: Processor  # the same without access control (part 4's cache goes here)
    access: AccessList  # part 4's fast path checks it before answering from bytes
    forwarder: Forwarder | None  # None when `outward` is another processor (part 8's)
    zones: ZoneProcessor | None
    hosts: HostsProcessor | None
    outward: Processor  # what answers the names local data does not: the forwarder

    def server(self) -> DnsServer:
        return DnsServer(self.processor, rate_limit=client_rate_limit(self.settings.rate_limit),
                         max_udp_reply=self.settings.max_udp_reply)


def build_resolver(settings: ResolverSettings, outward: Processor | None = None) -> Resolver:
    """The composed resolver: hosts file, local zones, forwarder; behind the access list.

    `outward` replaces the forwarder (part 8 puts its recursive resolver there).
    """
    try:
        upstreams = [u if isinstance(u, Upstream) else parse_upstream(u)
                     for u in settings.upstreams]
        if not upstreams and outward is None:
            raise SetupError(
                "no upstream to forward to: give --upstream HOST[:PORT] (or set DNS_UPSTREAMS)"
            )
        if settings.local_policy not in POLICIES:
            raise SetupError(f"unknown local-zone policy {settings.local_policy!r}: "
                             f"use {' or '.join(POLICIES)}")
        refuse_forwarding_loop(upstreams, settings.host, settings.port)
        access = AccessList(settings.allow)
    except ValueError as error:
        raise SetupError(str(error)) from error
    try:
        hosts = HostsProcessor(settings.hosts) if settings.hosts else None
        zones = (ZoneProcessor(load_zones(settings.zones, settings.origin))
                 if settings.zones else None)
    except (HostsError, ZoneError, OSError) as error:
        raise FileError(str(error)) from error
    local = [] if hosts is None else [hosts]
    if zones is not None:
        local.append(with_policy(zones, settings.local_policy))
    forwarder = Forwarder(upstreams, timeout=settings.timeout) if outward is None else None
    outward = forwarder if outward is None else outward
    # Local data first, in this order: the hosts file overrides everything, as
    # /etc/hosts does on a single machine; the forwarder gets what is left.
    unguarded = recursion_available(compose(*local, outward))
    return Resolver(
        settings=settings, processor=access_controlled(unguarded, access),
        unguarded=unguarded, access=access, forwarder=forwarder, zones=zones, hosts=hosts,
        outward=outward,
    )
# --8<-- [end:resolver]


def describe(resolver: Resolver) -> str:
    """One line for the start-up log: what answers, in which order."""
    parts = []
    if resolver.hosts is not None:
        parts.append(f"hosts {resolver.hosts.path}")
    if resolver.zones is not None:
        parts.append(f"{describe_zones(resolver.zones.zones)} ({resolver.settings.local_policy})")
    if resolver.forwarder is not None:
        parts.append(f"forwarding to {', '.join(map(str, resolver.forwarder.upstreams))}")
    else:
        parts.append(str(resolver.outward))
    return ", then ".join(parts)


def local_data_reloader(resolver: Resolver) -> Callable[[], None] | None:
    """A SIGHUP handler that reads the zones and the hosts file again, if there are any."""
    reloads = []
    if resolver.zones is not None:
        reloads.append(zone_reloader(resolver.zones, resolver.settings.zones,
                                     resolver.settings.origin))
    if resolver.hosts is not None:
        reloads.append(resolver.hosts.reload)
    if not reloads:
        return None

    def reload() -> None:
        for each in reloads:
            each()

    return reload
