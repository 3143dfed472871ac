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

Reference solution.
"""

from __future__ import annotations

import asyncio
import logging

import dns.message
import dns.rcode

from part2_server.processor import Endpoint
from part2_server.wire import read_query
from part4_cache import CachedProcessor, Entry

logger = logging.getLogger(__name__)

LOCAL = ("127.0.0.1", 0)


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
        # Hits per key since its entry was stored: (the entry, its hits). An
        # entry is a new object when a refresh stores a new one, so the
        # count starts again by itself.
        self._hits: dict[bytes, tuple[Entry, int]] = {}
        self._refreshing: dict[bytes, asyncio.Task[None]] = {}

    def fast_path(self, query: bytes, src: Endpoint, udp: bool) -> bytes | None:
        reply = self.cached.fast_path(query, src, udp)
        if reply is None:
            return None
        key = cache_key_of(query)
        cache = self.cached.cache
        now = cache.clock()
        entry = cache.lookup(key, now) if key is not None else None
        if entry is None or now >= entry.expires_at:
            return reply   # a stale answer (RFC 8767) is the cache's business
        if len(self._hits) > self.cached.cache.max_entries:
            self._hits.clear()   # keep memory bounded, as the cache does: counts restart
        counted_entry, hits = self._hits.get(key, (entry, 0))
        hits = hits + 1 if counted_entry is entry else 1
        self._hits[key] = (entry, hits)
        life = entry.expires_at - entry.stored_at
        nearly_over = entry.expires_at - now <= self.fraction * life
        if nearly_over and hits >= self.min_hits and key not in self._refreshing:
            task = asyncio.get_running_loop().create_task(self._refresh(key, query))
            self._refreshing[key] = task
            task.add_done_callback(lambda _task: self._refreshing.pop(key, None))
        return reply

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        return await self.cached(query, src=src, dst=dst)

    async def wait_idle(self) -> None:
        while self._refreshing:
            await asyncio.gather(*self._refreshing.values(), return_exceptions=True)

    async def _refresh(self, key: bytes, query: bytes) -> None:
        question = dns.message.from_wire(query)
        try:
            reply = await self.cached.inner(question, src=LOCAL, dst=LOCAL)
        except Exception:
            logger.exception("prefetch of %s failed", question.question[0])
            return
        if reply is None or reply.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            return   # keep the old answer: it is still good until it expires
        cache = self.cached.cache
        cache.store(key, reply.to_wire(), cache.clock())
