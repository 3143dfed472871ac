"""python -m part2_server --zone FILE [--zone FILE ...] [--host H] [--port P]"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .options import (
    AppendReplacingDefault,
    env,
    env_list,
    ip_address,
    non_negative_float,
    port_number,
    positive_whole_number,
    udp_reply_size,
)
from .prepared import PreparedZones
from .ratelimit import client_rate_limit
from .server import DnsServer
from .service import configure_logging, describe_zones, run, serve_until_signalled, zone_reloader
from .zones import ZoneError, load_zones


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
        "--max-udp-reply", metavar="BYTES", type=udp_reply_size,
        default=env("DNS_MAX_UDP_REPLY", "1232"),
        help="largest UDP reply, whatever the client asks for; TC=1 beyond, so it "
        "asks again over TCP (env DNS_MAX_UDP_REPLY, default 1232: DNS Flag Day 2020)",
    )
    parser.add_argument(
        "--workers", metavar="N", type=positive_whole_number, default=env("DNS_WORKERS", "1"),
        help="processes serving the same port (SO_REUSEPORT), each with its own "
        "cache; at most one per core (env DNS_WORKERS, default 1)",
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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part2_server",
        description="An authoritative DNS server for zone files, over UDP and TCP.",
    )
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    if not args.zones:
        parser.error("give at least one --zone FILE (or set DNS_ZONES)")
    check_workers(parser, args)
    configure_logging(args.log_level, args.workers)
    try:
        zones = load_zones(args.zones, args.origin)
    except ZoneError as error:
        sys.exit(f"error: {error}")
    # Each answer is worked out once, then sent from bytes (prepared.py).
    processor = PreparedZones(zones)
    server = DnsServer(processor, fast_path=processor.fast_path,
                       rate_limit=client_rate_limit(args.rate_limit),
                       max_udp_reply=args.max_udp_reply)
    run(
        serve_until_signalled(
            server, args.host, args.port, what=describe_zones(zones),
            reload=zone_reloader(processor, args.zones, args.origin),
            reuse_port=args.workers > 1,
        ),
        args.event_loop,
        args.workers,
    )


def check_workers(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Several workers must agree on a port: port 0 would give each its own."""
    if args.workers > 1 and args.port == 0:
        parser.error("--workers above 1 needs a --port other than 0")
