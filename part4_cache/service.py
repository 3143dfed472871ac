"""Running the caching resolver as a program: part 2's service, plus the cache's statistics."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal

from part2_server.service import serve_until_signalled
from part3_forwarder import local_data_reloader

from .cache import Cache, Stats
from .resolver import CachingResolver, describe_caching

logger = logging.getLogger(__name__)

STATS_INTERVAL = 60.0  # seconds between two statistics lines in the log


# --8<-- [start:stats]
def log_stats(cache: Cache) -> None:
    logger.info("cache: %s", cache.stats.summary())


async def log_stats_every(cache: Cache, interval: float = STATS_INTERVAL) -> None:
    """Log the statistics every `interval` seconds while something happens."""
    last = Stats()
    while True:
        await asyncio.sleep(interval)
        stats = dataclasses.replace(cache.stats)
        if stats != last:
            log_stats(cache)
            last = stats
# --8<-- [end:stats]


async def serve(caching: CachingResolver, reuse_port: bool = False) -> None:
    """Serve until SIGTERM or Ctrl-C; SIGUSR1 logs the statistics, as dnsmasq does."""
    reload = None
    reload_local_data = local_data_reloader(caching.resolver)
    if reload_local_data is not None:

        def reload() -> None:
            reload_local_data()
            caching.cache.clear()  # so the edited files show at once, not after their TTLs

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, log_stats, caching.cache)
    ticker = asyncio.create_task(log_stats_every(caching.cache))
    settings = caching.resolver.settings
    try:
        await serve_until_signalled(caching.server(), settings.host, settings.port,
                                    what=describe_caching(caching), reload=reload,
                                    reuse_port=reuse_port)
    finally:
        ticker.cancel()
        log_stats(caching.cache)
