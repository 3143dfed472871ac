"""The command line, in the spirit of dig:

    python -m part1_client NAME [TYPE] [@SERVER] [-p PORT] [+tcp] [+short] [+hex]
                           [+timeout=N] [+tries=N] [+dnssec] [+noedns]
                           [+tls] [+https[=PATH]] [+tls-ca=FILE] [+tls-hostname=NAME]

Exit status: 0 when a reply arrived (whatever its rcode, NXDOMAIN included),
1 when the question cannot be asked (malformed name, unknown type, no server),
2 for a bad flag (argparse's usage message), 9 when no reply came (as dig).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .encrypted import DOH_PORT, DOT_PORT, exchange_encrypted
from .errors import BadQuery, DnsClientError
from .hexdump import dump
from .output import format_reply, format_short
from .query import make_query
from .resolve import run_sync
from .transport import ExchangeResult, exchange_detailed

PROG = "part1_client"
EXIT_OK, EXIT_BAD_QUERY, EXIT_NO_REPLY = 0, 1, 9
RESOLV_CONF = Path("/etc/resolv.conf")


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"not a port number: {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    # "+" as well as "-" starts an option, so dig's +tcp and +timeout=3 parse.
    parser = argparse.ArgumentParser(
        prog=f"python -m {PROG}", prefix_chars="-+",
        usage="%(prog)s NAME [TYPE] [@SERVER] [-p PORT] [+tcp] [+short] [+hex] "
              "[+timeout=N] [+tries=N] [+dnssec] [+noedns] [+tls] [+https[=PATH]] "
              "[+tls-ca=FILE] [+tls-hostname=NAME]",
        description="Ask a DNS server one question and print the reply like dig.",
        epilog="Without @SERVER: $DNS_SERVER, else the first nameserver of /etc/resolv.conf.")
    parser.add_argument("words", nargs="+", metavar="NAME [TYPE] [@SERVER]",
                        help="the name to ask about, the record type (default A), the server")
    parser.add_argument("-p", dest="port", type=_port, default=None,
                        help="server port (53; 853 with +tls, 443 with +https)")
    parser.add_argument("+tcp", action="store_true", help="use TCP only")
    parser.add_argument("+short", action="store_true", help="print only the answers' rdata")
    parser.add_argument("+hex", "--hex", dest="hex", action="store_true",
                        help="also print the query and reply bytes, labelled")
    parser.add_argument("+timeout", type=_positive_float, default=2.0, metavar="N",
                        help="seconds to wait for each try (2)")
    parser.add_argument("+tries", type=_positive_int, default=2, metavar="N",
                        help="how many times to try (2)")
    parser.add_argument("+dnssec", action="store_true", help="set the DO bit (RFC 3225)")
    parser.add_argument("+noedns", action="store_true", help="send no OPT record")
    # Spelled as kdig spells them; unlike kdig's bare +tls, the server's
    # certificate is always checked (see encrypted.py).
    parser.add_argument("+tls", action="store_true", help="DNS over TLS (RFC 7858)")
    parser.add_argument("+https", metavar="PATH",
                        help="DNS over HTTPS (RFC 8484), to PATH (+https alone: /dns-query)")
    parser.add_argument("+tls-ca", dest="tls_ca", metavar="FILE",
                        help="also trust this CA (PEM); implies +tls")
    parser.add_argument("+tls-hostname", dest="tls_hostname", metavar="NAME",
                        help="the name the certificate must show (default: the server's "
                        "address); implies +tls")
    parser.add_argument("--log-level", default=os.environ.get("DNS_LOG_LEVEL", "WARNING"),
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="what to log on stderr (env DNS_LOG_LEVEL, default WARNING)")
    return parser


# kdig's +https and +tls-ca take an optional =VALUE. Written alone they get
# their default value here, so that the next word is never taken for it.
BARE_FLAGS = {"+https": "+https=/dns-query", "+tls-ca": "+tls-ca="}


def default_server(environ: Mapping[str, str] | None = None,
                   resolv_conf: Path | None = None) -> str | None:
    """$DNS_SERVER, else the first nameserver line of resolv.conf (only read)."""
    environ = os.environ if environ is None else environ
    if environ.get("DNS_SERVER"):
        return environ["DNS_SERVER"]
    try:
        lines = (resolv_conf or RESOLV_CONF).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            return fields[1]
    return None


def split_words(parser: argparse.ArgumentParser,
                words: Sequence[str]) -> tuple[str, str, str | None]:
    """NAME [TYPE] and an optional @SERVER, in any order around the options."""
    servers = [word[1:] for word in words if word.startswith("@")]
    rest = [word for word in words if not word.startswith("@")]
    if len(servers) > 1:
        parser.error("give at most one @SERVER")
    if not 1 <= len(rest) <= 2:
        parser.error("give NAME and optionally TYPE")
    return rest[0], rest[1] if len(rest) == 2 else "A", servers[0] if servers else None


def _print_bytes(result: ExchangeResult) -> None:
    query_transport = "TCP" if result.transport == "TCP" and result.truncated is None else "UDP"
    print(f";; QUERY, {len(result.query.wire)} bytes, sent over {query_transport}:")
    print(dump(result.query.wire))
    if result.truncated is not None:
        print(f";; REPLY over UDP, {len(result.truncated.wire)} bytes, truncated:")
        print(dump(result.truncated.wire))
        print(";; the same query again over TCP")
    print(f";; REPLY over {result.transport}, {len(result.reply.wire)} bytes:")
    print(dump(result.reply.wire))
    print()


# --8<-- [start:main]
def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_intermixed_args([BARE_FLAGS.get(word, word) for word in argv])
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format=f"{PROG}: %(levelname)s %(name)s: %(message)s")
    name, rdtype, server = split_words(parser, args.words)
    server = server or default_server()
    try:
        if server is None:
            raise BadQuery("no server: give @SERVER or set DNS_SERVER")
        try:
            ipaddress.ip_address(server)
        except ValueError:
            raise BadQuery(f"the server must be an IP address, not {server!r}") from None
        query = make_query(name, rdtype, use_edns=not args.noedns, dnssec=args.dnssec)
    except BadQuery as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_BAD_QUERY
    encrypted = args.tls or args.https or args.tls_ca is not None or args.tls_hostname
    port = args.port or (DOH_PORT if args.https else DOT_PORT if encrypted else 53)
    try:
        if encrypted:
            result = run_sync(exchange_encrypted(
                query, server, port, https=args.https, timeout=args.timeout,
                ca_file=args.tls_ca or None, hostname=args.tls_hostname))
        else:
            result = run_sync(exchange_detailed(query, server, port, timeout=args.timeout,
                                                tries=args.tries, tcp=args.tcp))
    except DnsClientError as error:  # timed out, or TCP failed
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_NO_REPLY
    if args.hex:
        _print_bytes(result)
    if args.short:
        sys.stdout.write(format_short(result.reply))
        return EXIT_OK
    if result.truncated is not None:
        print(";; Truncated, retrying in TCP mode.")
    print(f"\n; <<>> {PROG} <<>> {' '.join(argv)}\n;; Got answer:")
    sys.stdout.write(format_reply(result))
    return EXIT_OK
# --8<-- [end:main]
