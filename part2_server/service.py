"""Running a server as a program: logging, the event loop, signals, reloads.

Shared by the command lines of parts 2, 3 and 4.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence

import dns.zone

from .authority import ZoneProcessor
from .server import DnsServer
from .workers import run_workers
from .zones import ZoneError, load_zones

logger = logging.getLogger(__name__)


def configure_logging(level: str, workers: int = 1) -> None:
    # With several workers, each line says which process wrote it.
    process = "[%(process)d] " if workers > 1 else ""
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s {process}%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def run(main: Coroutine, event_loop: str = "auto", workers: int = 1) -> None:
    """Run `main` on the event loop asked for; with `workers` above 1, in that
    many processes at once (workers.py), each running its own copy of `main`."""
    if workers > 1:
        code = run_workers(workers, lambda: _run(main, event_loop))
        main.close()  # the parent's own copy never runs
        sys.exit(code)
    _run(main, event_loop)


def _run(main: Coroutine, event_loop: str) -> None:
    factory = None
    if event_loop in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if event_loop == "uvloop":
                sys.exit("uvloop is not installed: pip install uvloop, or use --event-loop asyncio")
        else:
            factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)


# --8<-- [start:serve_until_signalled]
async def serve_until_signalled(
    server: DnsServer,
    host: str,
    port: int,
    *,
    what: str,
    reload: Callable[[], None] | None = None,
    reuse_port: bool = False,
) -> None:
    """Serve until SIGTERM or Ctrl-C; on SIGHUP call `reload`."""
    try:
        await server.start(host, port, reuse_port=reuse_port)
    except OSError as error:
        sys.exit(f"cannot listen on {host} port {port}: {error.strerror or error}")
    loop = asyncio.get_running_loop()
    logger.info(
        "serving %s on %s port %d (UDP and TCP, %s)",
        what, server.host, server.port, type(loop).__module__.split(".")[0],
    )
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    # Always handled: SIGHUP's default action ends the process, and `systemctl
    # reload` sends it whether or not there is anything to reload.
    loop.add_signal_handler(signal.SIGHUP, reload or _nothing_to_reload)
    await stopping.wait()
    logger.info("stopping")
    await server.stop()
# --8<-- [end:serve_until_signalled]


def describe_zones(zones: Sequence[dns.zone.Zone]) -> str:
    """The zones for a log line: origin and serial of each."""
    return ", ".join(f"{zone.origin} (serial {zone.get_soa().serial})" for zone in zones)


def zone_reloader(processor: ZoneProcessor, paths: Sequence[str],
                  origin: str | None) -> Callable[[], None]:
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


def _nothing_to_reload() -> None:
    logger.info("SIGHUP: nothing to reload (no zone or hosts file)")
