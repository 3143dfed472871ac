"""python -m part6_encrypted --upstream tls://ADDRESS#NAME [--tls-port 853 --tls-cert F --tls-key F]

Everything part 4 does, every flag included, plus DNS over TLS and HTTPS:
--upstream also takes tls:// and https:// upstreams, --ca-file trusts a
private CA, and --tls-port with --tls-cert and --tls-key opens a DNS-over-TLS
port for the household's devices.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from part2_server.cli import check_workers
from part2_server.options import (
    AppendReplacingDefault,
    env,
    env_list,
    port_number,
    settings_from,
)
from part2_server.service import configure_logging, run
from part3_forwarder.cli import built_or_exit
from part4_cache.cli import add_cache_arguments
from part4_cache.service import serve

from .resolver import EncryptedSettings, build_encrypted_resolver
from .upstreams import parse_any_upstream


def _upstream(text: str):
    try:
        return parse_any_upstream(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# --8<-- [start:arguments]
def add_encrypted_arguments(parser: argparse.ArgumentParser) -> None:
    """Part 4's flags, --upstream taking tls:// and https:// too, and the TLS flags."""
    add_cache_arguments(parser)
    group = parser.add_argument_group("encryption")
    group.add_argument(  # replaces part 3's --upstream (the parser resolves the conflict)
        "--upstream", dest="upstreams", metavar="UPSTREAM", action=AppendReplacingDefault,
        type=_upstream, default=env_list("DNS_UPSTREAMS"),
        help="resolver to forward to, repeatable, asked in this order: ADDRESS[:PORT], "
        "tls://ADDRESS[:PORT]#NAME (port 853) or https://NAME/dns-query#ADDRESS "
        "(env DNS_UPSTREAMS, space-separated)",
    )
    group.add_argument(
        "--ca-file", metavar="FILE", default=env("DNS_CA_FILE"),
        help="also trust this CA (PEM) for tls:// and https:// upstreams (env DNS_CA_FILE)",
    )
    group.add_argument(
        "--tls-port", metavar="PORT", type=port_number, default=env("DNS_TLS_PORT"),
        help="also answer DNS over TLS on this port, usually 853 (env DNS_TLS_PORT; "
        "default: no TLS listener)",
    )
    group.add_argument(
        "--tls-cert", metavar="FILE", default=env("DNS_TLS_CERT"),
        help="the listener's certificate chain, PEM, server first (env DNS_TLS_CERT)",
    )
    group.add_argument(
        "--tls-key", metavar="FILE", default=env("DNS_TLS_KEY"),
        help="the listener's private key, PEM (env DNS_TLS_KEY)",
    )
# --8<-- [end:arguments]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part6_encrypted", conflict_handler="resolve",
        description="A caching home resolver that forwards over TLS or HTTPS, "
        "and answers over UDP, TCP and TLS.",
    )
    add_encrypted_arguments(parser)
    args = parser.parse_args(argv)
    check_workers(parser, args)
    configure_logging(args.log_level, args.workers)
    settings = settings_from(args, EncryptedSettings)
    encrypted = built_or_exit(parser, build_encrypted_resolver, settings)
    run(serve(encrypted, reuse_port=args.workers > 1), args.event_loop, args.workers)
