"""python -m part5_checkup.liar --lie NAME --upstream HOST[:PORT]: a lying resolver.

Part 4's resolver (forwarder and cache) with one lie of the gallery around
it. The lie sees every query: the server gets no fast path, so not even a
cache hit gets past it.

Port-53 interception on loopback, without root: a provider's router
rewrites the destination of every packet to port 53, whatever address it
was sent to. On one machine we cannot rewrite packets without privileges,
so the liar does the next best thing: it listens on a second address too
(--intercept, any other address of 127.0.0.0/8, where no resolver should
run), on the same port, and answers there as if it were its own. The card
sends a query to that address, and an answer is the evidence.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Sequence

from part2_server import DnsServer, Endpoint, Processor
from part2_server.options import env, ip_address, port_number
from part2_server.service import configure_logging
from part3_forwarder import Upstream, parse_upstream
from part4_cache import CacheSettings, build_caching_resolver

from .lies import LIES, Lie

logger = logging.getLogger(__name__)


def honest_resolver(upstream: Upstream, host: str = "127.0.0.1", port: int = 0) -> Processor:
    """Part 4 forwarding to `upstream` (its cache, its access list), as a processor."""
    settings = CacheSettings(upstreams=[upstream], host=host, port=port)
    return build_caching_resolver(settings).processor


# --8<-- [start:serve]
@contextlib.asynccontextmanager
async def lying_resolver(lie: Lie, upstream: Upstream, host: str = "127.0.0.1",
                         port: int = 0, intercept: str | None = None
                         ) -> AsyncIterator[Endpoint]:
    """Serve `lie` around part 4 on host:port (and intercept:port); yield the address."""
    if lie.intercepts and intercept is None:
        raise ValueError("the intercept lie needs an address to intercept")
    processor = lie.wrap(honest_resolver(upstream, host, port))
    # max_tcp_connections=0: part 2's server closes every connection at once.
    options = {} if lie.tcp else {"max_tcp_connections": 0}
    ours = DnsServer(processor, **options)
    elsewhere = DnsServer(processor, **options) if lie.intercepts else None
    try:
        await ours.start(host, port)
        if elsewhere is not None:
            await elsewhere.start(intercept, ours.port)  # the same port, another address
        yield ours.host, ours.port
    finally:
        for server in (ours, elsewhere):
            if server is not None:
                await server.stop(grace=0.1)  # swallowed queries would wait forever
# --8<-- [end:serve]


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m part5_checkup.liar",
        description="A resolver that lies, for the report card to catch.",
        epilog="lies: " + "; ".join(f"{name}: {lie.what}" for name, lie in LIES.items()))
    parser.add_argument("--lie", choices=sorted(LIES), required=env("DNS_LIE") is None,
                        default=env("DNS_LIE"), help="which lie to tell (env DNS_LIE)")
    parser.add_argument("--upstream", type=parse_upstream, default=env("DNS_UPSTREAMS"),
                        required=env("DNS_UPSTREAMS") is None, metavar="HOST[:PORT]",
                        help="the honest resolver to ask (env DNS_UPSTREAMS)")
    parser.add_argument("--host", type=ip_address, default=env("DNS_HOST", "127.0.0.1"),
                        help="address to listen on (env DNS_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=env("DNS_PORT", "8053"),
                        help="port to listen on (env DNS_PORT, default 8053)")
    parser.add_argument("--intercept", type=ip_address, default=env("DNS_INTERCEPT"),
                        metavar="ADDRESS", help="with --lie intercept: the other address "
                        "answered on the same port (env DNS_INTERCEPT), e.g. 127.0.0.9")
    return parser


async def serve(args: argparse.Namespace) -> None:
    async with lying_resolver(LIES[args.lie], args.upstream, args.host, args.port,
                              args.intercept) as (host, port):
        logger.info("lying (%s) on %s port %d%s", LIES[args.lie].what, host, port,
                    f" and on {args.intercept}" if LIES[args.lie].intercepts else "")
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser_ = parser()
    args = parser_.parse_args(argv)
    if LIES[args.lie].intercepts and args.intercept is None:
        parser_.error("--lie intercept needs --intercept ADDRESS (e.g. 127.0.0.9)")
    configure_logging("info")
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    except OSError as error:
        sys.exit(f"cannot listen: {error.strerror or error}")


if __name__ == "__main__":
    main()
