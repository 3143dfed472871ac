"""python -m part5_checkup @SERVER [-p PORT] [--json]: the report card of a resolver."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from part2_server.options import env, ip_address, port_number, positive_float

from .card import DEFAULT_PROBE_ZONE, run_card
from .report import EXIT_USAGE, as_json, as_text, exit_code


def server_address(text: str) -> str:
    return ip_address(text.removeprefix("@"))


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m part5_checkup",
        description="Is my resolver lying? Ask it the report card's questions.",
        epilog="exit status: 0 no check failed, 1 a check failed, 2 bad command line, "
        "3 the resolver did not answer at all")
    parser.add_argument("server", metavar="@SERVER", type=server_address,
                        help="the resolver's IP address, as dig writes it (@192.0.2.53)")
    parser.add_argument("-p", "--port", type=port_number, default=env("DNS_PORT", "8053"),
                        help="its port (env DNS_PORT, default 8053)")
    parser.add_argument("--json", action="store_true",
                        help="print the card as JSON (documented in docs/part5.md)")
    parser.add_argument("--timeout", type=positive_float, default=env("DNS_TIMEOUT", "2"),
                        help="seconds to wait for each answer (env DNS_TIMEOUT, default 2)")
    parser.add_argument("--probe-zone", default=env("DNS_PROBE_ZONE", DEFAULT_PROBE_ZONE),
                        help="the cooperating authority's zone (env DNS_PROBE_ZONE, "
                        f"default {DEFAULT_PROBE_ZONE}: the lab's)")
    parser.add_argument("--bogus-name", default=env("DNS_BOGUS_NAME"),
                        help="a signed name whose signatures are broken on purpose: a "
                        "validating resolver must answer SERVFAIL (env DNS_BOGUS_NAME; "
                        "in the signed lab: tampered.dnssec.test.)")
    parser.add_argument("--unused-address", type=ip_address, default=env("DNS_UNUSED_ADDRESS"),
                        help="an address where no resolver runs, for the interception "
                        "check (env DNS_UNUSED_ADDRESS; without it, not tested)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:  # argparse printed the usage and why
        return EXIT_USAGE if stop.code else 0
    card = asyncio.run(run_card((args.server, args.port), timeout=args.timeout,
                                probe_zone=args.probe_zone,
                                unused_address=args.unused_address,
                                bogus_name=args.bogus_name))
    print(as_json(card) if args.json else as_text(card))
    return exit_code(card)


if __name__ == "__main__":
    sys.exit(main())
