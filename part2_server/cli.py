"""python -m part2_server --zone FILE [--zone FILE ...] [--host H] [--port P]"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import dns.zone

from .authority import ZoneProcessor
from .flags import (
    AppendReplacingDefault,
    env,
    env_list,
    ip_address,
    non_negative_float,
    port_number,
)
from .ratelimit import ClientRateLimit
from .server import DnsServer
from .service import configure_logging, run, serve_until_signalled
from .zones import ZoneError, load_zones

logger = logging.getLogger(__name__)


# --8<-- [start:arguments]
def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every part's server takes (parts 3 and 4 add their own)."""
    parser.add_argument(
        "--host", type=ip_address, default=env("DNS_HOST", "127.0.0.1"),
        help="address to listen on, IPv4 or IPv6 (env DNS_HOST, default 127.0.0.1)",
    )
    parser.add_argument(
        "--port", type=port_number, default=env("DNS_PORT", "8053"),
        help="UDP and TCP port (env DNS_PORT, default 8053; 53 needs privileges)",
    )
    parser.add_argument(
        "--zone", dest="zones", metavar="FILE", action=AppendReplacingDefault,
        default=env_list("DNS_ZONES"),
        help="zone file to serve, repeatable (env DNS_ZONES, space-separated)",
    )
    parser.add_argument(
        "--origin", default=env("DNS_ORIGIN"),
        help="origin for a zone file without $ORIGIN (default: from the file name)",
    )
    parser.add_argument(
        "--rate-limit", metavar="QPS", type=non_negative_float,
        default=env("DNS_RATE_LIMIT", "0"),
        help="answer each client at most QPS queries a second on average, REFUSED "
        "beyond; 0 turns it off (env DNS_RATE_LIMIT, default 0)",
    )
    parser.add_argument(
        "--log-level", default=env("DNS_LOG_LEVEL", "info"),
        choices=["debug", "info", "warning", "error"],
        help="debug logs one line per query (env DNS_LOG_LEVEL, default info)",
    )
    parser.add_argument(
        "--event-loop", default=env("DNS_EVENT_LOOP", "auto"),
        choices=["auto", "asyncio", "uvloop"],
        help="auto uses uvloop when it is installed (env DNS_EVENT_LOOP)",
    )
# --8<-- [end:arguments]


def rate_limit_from(args: argparse.Namespace) -> ClientRateLimit | None:
    return ClientRateLimit(args.rate_limit) if args.rate_limit else None


def describe_zones(zones: Sequence[dns.zone.Zone]) -> str:
    return ", ".join(f"{zone.origin} (serial {zone.get_soa().serial})" for zone in zones)


def load_or_exit(paths: Sequence[str], origin: str | None) -> list[dns.zone.Zone]:
    """Load every zone, or stop the program with the one-line reason."""
    try:
        return load_zones(paths, origin)
    except ZoneError as error:
        sys.exit(f"error: {error}")


def reloader(processor: ZoneProcessor, paths: Sequence[str], origin: str | None):
    """A SIGHUP handler: load the zones again, keeping the old ones if that fails."""

    def reload() -> None:
        try:
            zones = load_zones(paths, origin)
        except ZoneError as error:
            logger.error("reload failed, still serving the zones loaded before: %s", error)
            return
        processor.replace(zones)
        logger.info("reloaded %s", describe_zones(zones))

    return reload


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part2_server",
        description="An authoritative DNS server for zone files, over UDP and TCP.",
    )
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    if not args.zones:
        parser.error("give at least one --zone FILE (or set DNS_ZONES)")
    configure_logging(args.log_level)
    zones = load_or_exit(args.zones, args.origin)
    processor = ZoneProcessor(zones)
    server = DnsServer(processor, rate_limit=rate_limit_from(args))
    reload = reloader(processor, args.zones, args.origin)
    run(
        serve_until_signalled(
            server, args.host, args.port, what=describe_zones(zones), reload=reload
        ),
        args.event_loop,
    )
