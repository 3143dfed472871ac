"""The cache: encoded replies whose TTLs count down, bounded by LRU eviction.

Each entry is a reply as bytes (RFC 1035 wire format, without its OPT record
and with ID 0) plus the offsets of its TTLs, so a hit rewrites a few bytes
instead of building a message. The rules:

- TTLs count down by the whole seconds since the reply was stored; the entry
  expires when its smallest TTL runs out. A reply with any TTL of 0 is not
  cached (RFC 1035 s3.2.1: zero means "use for this transaction only").
- `min_ttl` and `max_ttl` clamp the TTLs of positive answers.
- Negative answers (NXDOMAIN, or NOERROR with no answer: NODATA) live for
  min(SOA TTL, SOA MINIMUM), at most `max_negative_ttl` (RFC 2308 s5); the
  SOA goes back to the client with that TTL, counting down. A negative answer
  without an SOA is not cached (RFC 2308 s5: no SOA, no negative caching).
- SERVFAIL is remembered for `failure_ttl` seconds (RFC 9520 s3.2: at least
  1 second; we take 5) so a dead upstream is not asked again at once.
- A truncated reply (TC=1) is never cached: it is not the whole answer.
- Serve-stale (RFC 8767), off unless asked for: an expired entry is kept up
  to `max_stale` seconds; when a refresh fails it is served with TTL 30, and
  the refresh is not tried again for 30 seconds.
"""

from __future__ import annotations

import itertools
import logging
import struct
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import dns.rcode
import dns.rdatatype

from part1_client.sizes import HEADER_SIZE
from part2_server.wire import header_variants, key_dnssec_ok

from . import wire

logger = logging.getLogger(__name__)

Clock = Callable[[], float]

# RFC 8767 s4: stale answers carry a TTL of 30 seconds, and s5 suggests
# trying a failed refresh again no sooner than 30 seconds later.
STALE_TTL = 30
STALE_RETRY = 30
FAILURE_TTL = 5  # RFC 9520 s3.2 asks for 1 to 5 minutes max, at least 1 s
KINDS = ("answer", "nxdomain", "nodata", "failure")
NEGATIVE_KINDS = ("nxdomain", "nodata")
# Entries kept unpacked, ready for the fast path: the last ones hit. One
# packed again loses only its counted-down TTLs, made again at its next hit.
MAX_UNPACKED = 1024
# A full cache evicts this share of itself at once (1 in 100), not one entry
# per store: see Cache._evict_oldest.
EVICTION_SHARE = 100


@dataclass
class Stats:
    """What `Cache` counts; `entries` is filled in when read."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0
    stale_answers: int = 0
    coalesced: int = 0  # queries that waited for an identical query already asked
    entries: int = 0

    def summary(self) -> str:
        return (f"{self.entries} entries, {self.hits} hits, {self.misses} misses, "
                f"{self.evictions} evictions, {self.stale_answers} stale answers, "
                f"{self.coalesced} coalesced")


class Stored(NamedTuple):
    """What `Cache.store` kept: the entry, and each record's TTL as stored, in wire order."""

    entry: Entry
    ttls: tuple[int, ...]


# --8<-- [start:entry]
# How an entry waits in the cache until it is asked for again: one bytes
# object, in this order (a hit unpacks it; see Entry.pack):
#   stored_at, expires_at,  8 bytes each (doubles, in the cache's clock)
#   retry_at
#   kind                    1 byte: its index in KINDS
#   flags and counts        10 bytes: the stored header without its ID
#   the records             everything after the question, TTLs as stored
_packed = struct.Struct("=dddB10s")


@dataclass(slots=True, eq=False)
class Entry:
    """One cached reply, as bytes, with what a hit needs ready."""

    wire: bytes  # the reply without OPT, ID 0, TTLs as stored (clamped)
    question_end: int
    stored_at: float
    expires_at: float  # stored_at + the smallest TTL
    kind: str  # "answer", "nxdomain", "nodata" or "failure"
    dnssec_ok: bool  # from the key: the DO bit of the OPT a hit sends back
    heads: tuple[bytes, ...]  # header bytes 2-11 per client: see part2_server.wire
    retry_at: float = 0.0  # serve-stale: do not try a refresh before this
    # What follows the question, counted down for `_body_for` seconds (-1:
    # stale). Rebuilt at most once a second, and only for entries that are hit.
    _body_for: int = -2
    _body: bytes = b""

    def ttl_offsets(self) -> list[int]:
        # Found again when needed rather than stored: at most once a second
        # for an entry that is hit.
        return [record.ttl_offset for record in wire.walk_reply(self.wire).records]

    def body(self, now: float) -> bytes:
        """Everything after the question, TTLs counted down to `now` (30 when stale)."""
        elapsed = int(now - self.stored_at) if now < self.expires_at else -1
        if elapsed != self._body_for:
            aged = wire.count_down(self.wire, self.ttl_offsets(), elapsed, STALE_TTL)
            self._body = aged[self.question_end:]
            self._body_for = elapsed
        return self._body

    def pack(self) -> bytes:
        """The entry as one bytes object: what its key already says is left out.

        The key holds the question (lowercased) and the DO bit, and the
        header variants are made again from the stored flags and counts.
        """
        return _packed.pack(self.stored_at, self.expires_at, self.retry_at,
                            KINDS.index(self.kind), self.wire[2:HEADER_SIZE]
                            ) + self.wire[self.question_end:]

    @classmethod
    def unpack(cls, key: bytes, packed: bytes) -> Entry:
        """The entry that `pack` packed, stored under `key`."""
        stored_at, expires_at, retry_at, kind, header = _packed.unpack_from(packed)
        question = key[:-1]  # the key is the question and a DO byte: see question_key
        dnssec_ok = key_dnssec_ok(key)
        return cls(b"\0\0" + header + question + packed[_packed.size:],
                   HEADER_SIZE + len(question), stored_at, expires_at, KINDS[kind],
                   dnssec_ok, header_variants(header, dnssec_ok), retry_at)
# --8<-- [end:entry]


class Cache:
    """Encoded replies by (qname, qtype, qclass, DO), least recently used first.

    The entries are in a plain dict: a dict keeps the order of insertion, so
    a hit takes its entry out and puts it back in, last, and the first one is
    the least recently used. Each entry waits packed into one bytes object
    (`Entry.pack`): most answers are never asked for again before they
    expire. A hit unpacks it, and the last MAX_UNPACKED entries unpacked stay
    so, ready for the next hits; older ones are packed again, in their place.
    """

    def __init__(
        self,
        max_entries: int = 10_000,
        *,
        min_ttl: int = 0,
        max_ttl: int = 86400,
        max_negative_ttl: int = 3600,
        failure_ttl: int = FAILURE_TTL,
        serve_stale: bool = False,
        max_stale: int = 86400,
        clock: Clock = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        if not 0 <= min_ttl <= max_ttl:
            raise ValueError("need 0 <= min_ttl <= max_ttl")
        self.max_entries = max_entries
        self.min_ttl = min_ttl
        self.max_ttl = max_ttl
        self.max_negative_ttl = max_negative_ttl
        self.failure_ttl = failure_ttl
        self.serve_stale = serve_stale
        self.max_stale = max_stale  # RFC 8767 s5 suggests 1 to 3 days; we keep 1
        self.clock = clock
        self._entries: dict[bytes, Entry | bytes] = {}  # least recently used first
        self._unpacked: deque[tuple[bytes, Entry]] = deque()  # oldest first
        self._stats = Stats()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def stats(self) -> Stats:
        self._stats.entries = len(self._entries)
        return self._stats

    # --8<-- [start:lookup]
    def lookup(self, key: bytes, now: float) -> Entry | None:
        """The entry to answer from at `now`, or None (a miss: ask upstream).

        A stale entry is returned only while a failed refresh waits to be
        retried; `now >= entry.expires_at` tells the caller it is stale.
        """
        entry = self._entries.pop(key, None)
        if entry is None:
            return None
        if entry.__class__ is bytes:
            entry = self._unpack(key, entry)
        if now < entry.expires_at:
            self._entries[key] = entry  # back in, last: the most recently used
            return entry
        if self.serve_stale and now < entry.expires_at + self.max_stale:
            self._entries[key] = entry  # kept, in case the refresh fails
            return entry if now < entry.retry_at else None  # a refresh failed a moment ago
        return None  # expired: out it stays

    def _unpack(self, key: bytes, packed: bytes) -> Entry:
        """`packed` as an Entry; the entry unpacked MAX_UNPACKED ago is packed again."""
        entry = Entry.unpack(key, packed)
        self._unpacked.append((key, entry))
        if len(self._unpacked) > MAX_UNPACKED:
            old_key, old = self._unpacked.popleft()
            if self._entries.get(old_key) is old:  # (not evicted or stored anew since)
                self._entries[old_key] = old.pack()  # a new value keeps its place in a dict
        return entry
    # --8<-- [end:lookup]

    def stale(self, key: bytes, now: float) -> Entry | None:
        """An expired entry we may still serve because a refresh failed (RFC 8767)."""
        if not self.serve_stale:
            return None
        entry = self._entries.pop(key, None)
        if entry is None:
            return None
        if entry.__class__ is bytes:
            entry = self._unpack(key, entry)
        if now >= entry.expires_at + self.max_stale:
            return None  # too old to serve ever again: out it stays
        # RFC 8767 s5: do not hammer the upstream; answer stale for a while.
        entry.retry_at = now + STALE_RETRY
        self._entries[key] = entry  # the most recently used
        return entry

    # --8<-- [start:store]
    def store(self, key: bytes, reply: bytes, now: float) -> Stored | None:
        """Remember an encoded reply under `key`; None when it must not be cached."""
        try:
            layout = wire.walk_reply(reply)
        except wire.WireError as error:
            logger.debug("not caching an unreadable reply: %s", error)
            return None
        kind, ttls = self._lifetimes(reply, layout)
        if kind is None:
            return None
        lifetime = min(ttls, default=self.failure_ttl if kind == "failure" else 0)
        if lifetime <= 0:
            return None
        offsets = tuple(record.ttl_offset for record in layout.records)
        stripped = wire.without_opt(reply, layout)  # the OPT is last, so offsets still hold
        stored = wire.write_ttls(b"\0\0" + stripped[2:], offsets, ttls)
        entry = Entry(stored, layout.question_end, now, now + lifetime, kind,
                      dnssec_ok=key_dnssec_ok(key),
                      heads=header_variants(stored[2:HEADER_SIZE], key_dnssec_ok(key)))
        self._entries.pop(key, None)  # a new answer goes last, not in the old one's place
        self._entries[key] = entry.pack()
        if len(self._entries) > self.max_entries:
            self._evict_oldest(len(self._entries) - self.max_entries
                               + self.max_entries // EVICTION_SHARE)
        return Stored(entry, ttls)
    # --8<-- [end:store]

    def _evict_oldest(self, count: int) -> None:
        """Drop the `count` least recently used entries: the first ones in the dict.

        To find its first key a dict walks past the slots that deleted entries
        left at the front, and under steady misses those pile up: one walk for
        a batch (1% of the cache) keeps a full cache's stores as cheap as an
        empty one's, where a walk for every store made them three times dearer.
        """
        for key in list(itertools.islice(self._entries, count)):
            del self._entries[key]
        self._stats.evictions += count

    # --8<-- [start:lifetimes]
    def _lifetimes(self, reply: bytes, layout: wire.Layout) -> tuple[str | None, tuple[int, ...]]:
        """What kind of reply this is, and the TTLs to store it with.

        The kind is None when the reply must not be cached.
        """
        if reply[2] & wire.FLAG_TC:
            return None, ()  # truncated: not the whole answer
        if layout.opt is not None and reply[layout.opt[0] + 5]:
            return None, ()  # an extended rcode (BADVERS...): not ours to remember
        if layout.opt is not None and layout.opt[1] != len(reply):
            return None, ()  # something (a TSIG) after the OPT: not a plain reply
        rcode = reply[3] & 0x0F
        ancount = reply[6] << 8 | reply[7]
        original = [wire.read_u32(reply, record.ttl_offset) for record in layout.records]
        if rcode == dns.rcode.SERVFAIL:
            return "failure", tuple(min(ttl, self.failure_ttl) for ttl in original)
        if 0 in original:
            return None, ()  # RFC 1035 s3.2.1: TTL 0 means do not cache
        if rcode == dns.rcode.NXDOMAIN:
            kind = "nxdomain"
        elif rcode == dns.rcode.NOERROR:
            kind = "answer" if ancount else "nodata"
        else:
            return None, ()  # REFUSED, NOTIMP...: say it again next time
        ttls = []
        has_soa = False
        for record, ttl in zip(layout.records, original, strict=True):
            if record.section == 2 and record.rdtype == dns.rdatatype.SOA:
                # RFC 2308 s5: the negative TTL is the smaller of the SOA's
                # own TTL and its MINIMUM field (the last 4 bytes of RDATA).
                minimum = wire.read_u32(reply, record.rdata_end - 4)
                ttl = min(ttl, minimum, self.max_negative_ttl)
                has_soa = True
            elif kind == "answer":
                ttl = max(self.min_ttl, ttl)
            ttls.append(min(ttl, self.max_ttl))
        if kind in NEGATIVE_KINDS and not has_soa:
            return None, ()  # RFC 2308 s5: without an SOA, no negative caching
        return kind, tuple(ttls)
    # --8<-- [end:lifetimes]

    def clear(self) -> None:
        self._entries.clear()
        self._unpacked.clear()
