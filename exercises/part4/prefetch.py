"""Part 4, exercise 3: prefetch popular names.       (hard, about an hour)

When a popular answer expires, the next person to ask waits for the
upstream. Unbound's "prefetch" avoids that: an answer that is asked for in
the last tenth of its life is fetched again in the background, and the
cache holds a fresh copy before the old one runs out. Write it.

    prefetching = Prefetching(cached(resolver, Cache()))
    server = DnsServer(prefetching, fast_path=prefetching.fast_path)

* fast_path(query, src, udp): answer as the cached processor's fast path
  does (same bytes). On a hit, look at the entry that answered: if what is
  left of its life is at most `fraction` of its whole life (expires_at -
  stored_at), and this name and type has now been answered from the cache
  at least `min_hits` times since that entry was stored, start a refresh in
  the background (asyncio: create a task, do not wait for it here);
* a refresh asks the inner processor (cached.inner) the same question and
  stores its reply in the cache under the same key, so the entry starts a
  new life. Only an answer worth keeping replaces the entry: a refresh that
  fails (SERVFAIL, no reply, an exception) leaves the old entry alone,
  which keeps answering until it expires;
* never more than one refresh at a time for the same key;
* a call (the slow path) is the cached processor's, unchanged;
* wait_idle() returns when no refresh is running (the tests need it, and
  so does a clean shutdown).

The cache keys and entries are bytes: cache_key_of() below gives the key of
a query's wire form; cache.lookup(key, now) the entry (with stored_at and
expires_at); cache.store(key, reply_wire, now) stores a reply. Use the
cache's clock (cache.clock()) for "now".

Grade your work with:  pytest --exercise part4
"""

from __future__ import annotations

import asyncio  # noqa: F401 (you will need it)
import logging

import dns.message
import dns.rcode

from part2_server.processor import Endpoint
from part2_server.wire import read_query
from part4_cache import CachedProcessor

logger = logging.getLogger(__name__)


def cache_key_of(query: bytes) -> bytes | None:
    """The cache key of a query in wire form (None for an unusual query)."""
    parsed = read_query(query)
    return None if parsed is None else parsed[0]


class Prefetching:
    """A cached processor that refreshes popular answers before they expire."""

    def __init__(self, cached: CachedProcessor, *, fraction: float = 0.1,
                 min_hits: int = 2) -> None:
        self.cached = cached
        self.fraction = fraction
        self.min_hits = min_hits

    def fast_path(self, query: bytes, src: Endpoint, udp: bool) -> bytes | None:
        raise NotImplementedError("exercise: write Prefetching.fast_path")

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        return await self.cached(query, src=src, dst=dst)

    async def wait_idle(self) -> None:
        raise NotImplementedError("exercise: write Prefetching.wait_idle")
