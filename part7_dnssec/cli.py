"""python -m part7_dnssec --trust-anchor FILE --upstream HOST[:PORT] ...

Only the command line: part 4's flags, plus --trust-anchor, read into
`ValidatingSettings` and handed to `build_validating_resolver`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from part2_server.options import env, settings_from
from part2_server.service import configure_logging, run
from part3_forwarder.cli import built_or_exit
from part4_cache.cli import add_cache_arguments
from part4_cache.service import serve

from .resolver import ValidatingSettings, build_validating_resolver

logger = logging.getLogger(__name__)


# --8<-- [start:arguments]
def add_validation_arguments(parser: argparse.ArgumentParser) -> None:
    """Part 4's flags, plus the validator's."""
    add_cache_arguments(parser)
    group = parser.add_argument_group("DNSSEC validation")
    group.add_argument(
        "--trust-anchor", metavar="FILE", default=env("DNS_TRUST_ANCHOR"),
        help="validate answers up to the DS or DNSKEY records in FILE (zone-file "
        "format, as unbound's trust-anchor-file); 'root' for the real root's keys, "
        "built in; off by default (env DNS_TRUST_ANCHOR; see docs/part7.md for why)",
    )
# --8<-- [end:arguments]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part7_dnssec",
        description="A validating home resolver: part 4's, and every forwarded answer "
        "proven up to a trust anchor (DNSSEC), or refused.",
    )
    add_validation_arguments(parser)
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    settings = settings_from(args, ValidatingSettings)
    caching = built_or_exit(parser, build_validating_resolver, settings)
    if settings.trust_anchor in (None, "", "off"):
        logger.info("DNSSEC validation off: no --trust-anchor (see docs/part7.md)")
    else:
        logger.info("DNSSEC validation on: forwarded answers are proven up to %s",
                    settings.trust_anchor)
    run(serve(caching), args.event_loop)
