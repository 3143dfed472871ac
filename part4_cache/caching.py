"""`cached(processor, cache)`: a cache in front of any processor.

The result is itself a processor (the slow path: parse, look up, ask the inner
processor on a miss, remember its reply) with one extra method, `fast_path`,
that the server of part 2 calls with the raw bytes of each query before
parsing them. A hit there is answered in a few microseconds from bytes; all
else returns None and takes the slow path.

    processor = cached(compose(zones, forwarder), Cache())
    server = DnsServer(processor, fast_path=processor.fast_path)

Given the forwarder on bytes (misses.py), a second method, `miss_path`, asks
the upstream for a plain miss without parsing anything, and answers from the
entry it stores, as a hit. build_caching_resolver (resolver.py) sets it up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import struct
from collections.abc import Callable, Sequence

import dns.exception
import dns.flags
import dns.message
import dns.rcode

from part1_client.sizes import EDNS_PAYLOAD, HEADER_SIZE, MAX_MESSAGE
from part2_server import Busy, Endpoint, Processor, reply_with_rcode, wire
from part2_server.protocol import only_query_flags, render
from part3_forwarder.forwarder import relay
from part3_forwarder.scrub import scrub

from .cache import Cache, Entry
from .misses import BytesForwarder, stored_form

logger = logging.getLogger(__name__)

# What a refresh produced, for the identical queries that waited for it: the
# reply (as the cache keeps it, when it keeps it), a stale entry (RFC 8767),
# or None (the inner processor had nothing to say).
Outcome = dns.message.Message | Entry | None

# Identical queries that may wait for one question upstream. With the
# forwarder's 150 questions, at most 150 * (1 + 5) = 900 queries wait, below
# the server's 1,024: local data and cache hits always find room.
MAX_WAITING_PER_NAME = 5


@dataclasses.dataclass(eq=False)
class _Flight:
    """A question being asked upstream, and how many identical queries wait for it."""

    outcome: asyncio.Future[Outcome]
    waiting: int = 0


def cached(
    processor: Processor, cache: Cache, *, allow: Callable[[str], bool] | None = None,
    max_waiting_per_name: int = MAX_WAITING_PER_NAME, upstream: BytesForwarder | None = None,
    max_udp_reply: int = EDNS_PAYLOAD,
) -> CachedProcessor:
    """Put `cache` in front of `processor`.

    `allow(host)` is the access list the slow path enforces (part 3): the fast
    path answers only hosts it allows, and leaves the others to be refused the
    slow way. With `upstream` (the forwarder inside `processor`, on bytes),
    `miss_path` asks it for plain misses; `max_udp_reply` is the server's.
    """
    return CachedProcessor(processor, cache, allow=allow,
                           max_waiting_per_name=max_waiting_per_name, upstream=upstream,
                           max_udp_reply=max_udp_reply)


class CachedProcessor:
    """A processor that answers from a cache and asks `inner` on a miss."""

    def __init__(
        self, inner: Processor, cache: Cache, *, allow: Callable[[str], bool] | None = None,
        max_waiting_per_name: int = MAX_WAITING_PER_NAME, upstream: BytesForwarder | None = None,
        max_udp_reply: int = EDNS_PAYLOAD,
    ) -> None:
        self.inner = inner
        self.cache = cache
        self.allow = allow
        self.max_waiting_per_name = max_waiting_per_name
        self.upstream = upstream
        self.max_udp_reply = max_udp_reply
        self._clock = cache.clock  # looked up once: the fast path counts nanoseconds
        self._stats = cache.stats
        # Queries being asked upstream right now, by cache key: an identical
        # query that misses meanwhile waits for the same answer.
        self._in_flight: dict[bytes, _Flight] = {}

    # --8<-- [start:fast_path]
    def fast_path(self, query: bytes, src: Endpoint, udp: bool) -> bytes | None:
        """The reply to `query` straight from the cache, or None to go the slow way."""
        if self.allow is not None and not self.allow(src[0]):
            return None  # the slow path refuses this client
        parsed = wire.read_query(query)
        if parsed is None or not query[2] & wire.FLAG_RD:
            return None  # unusual, or RD=0: the cache is not for those (see __call__)
        key, question_end, edns, udp_limit = parsed
        now = self._clock()
        entry = self.cache.lookup(key, now)
        if entry is None or (entry.kind == "failure" and query[3] & wire.FLAG_CD):
            return None  # CD=1 may get what a validator refused: ask again
        body = entry.body(now)
        size = question_end + len(body) + (wire.OPT_SIZE if edns else 0)
        if size > (udp_limit if udp else MAX_MESSAGE):
            return None  # too big for this client: the slow path truncates it
        if now < entry.expires_at:
            self._stats.hits += 1
        else:
            self._stats.stale_answers += 1
        return _assemble(entry, query, question_end, edns, body)
    # --8<-- [end:fast_path]

    # --8<-- [start:miss_path]
    async def miss_path(self, query: bytes, src: Endpoint) -> bytes | None:
        """A UDP query the fast path missed, asked upstream on bytes; None: the slow way."""
        upstream = self.upstream
        if upstream is None or (self.allow is not None and not self.allow(src[0])):
            return None
        parsed = wire.read_query(query)
        if parsed is None or not query[2] & wire.FLAG_RD or query[3] & wire.FLAG_CD:
            return None  # unusual, RD=0 or CD=1: see __call__
        key, question_end, edns, udp_limit = parsed
        if (key in self._in_flight or not upstream.takes(key)
                or self.cache.lookup(key, self._clock()) is not None):
            return None  # asked already (the slow way waits for it), local data, or a hit
        try:
            upstream.forwarder.take_slot(src[0])  # part 3's limits, for both paths
        except Busy:
            return None  # the slow way answers SERVFAIL, as for any Busy
        self._stats.misses += 1
        flight = _Flight(asyncio.get_running_loop().create_future())
        self._in_flight[key] = flight  # identical queries wait for this one
        try:
            try:
                answer = await upstream.forward(query, question_end, wire.key_dnssec_ok(key))
            except Exception:  # as _refresh: a failure like any other SERVFAIL
                logger.exception("miss path failed on %r", query[HEADER_SIZE:question_end])
                answer = None
            finally:
                upstream.forwarder.give_back_slot(src[0])
            asked = _MissQuery(query, question_end, edns, min(udp_limit, self.max_udp_reply))
            outcome, reply = self._remember_bytes(key, asked, answer)
            flight.outcome.set_result(outcome)
        finally:
            del self._in_flight[key]
            if not flight.outcome.done():  # we were cancelled: so are those waiting
                flight.outcome.cancel()
        return reply

    def _remember_bytes(self, key: bytes, query: _MissQuery,
                        answer: bytes | dns.message.Message | None) -> tuple[Outcome, bytes]:
        """Store a plain answer as it came and answer from the entry, as a hit does.

        Anything else goes on as the slow path would with it: relayed and
        scrubbed by part 3, remembered by `_remember`, rendered by part 2.
        """
        now = self._clock()
        if isinstance(answer, bytes):
            stored = self.cache.store(key, stored_form(answer, query.query, query.question_end),
                                      now)
            if stored is not None:
                return stored.entry, query.from_entry(stored.entry, now)
            answer = dns.message.from_wire(answer)  # not to be cached: the slow way
        request = query.message()
        if answer is None:
            reply = reply_with_rcode(request, dns.rcode.SERVFAIL)
        else:
            reply = relay(request, scrub(request.question[0], answer))
        reply.flags |= dns.flags.RA  # as part 3's recursion_available does
        outcome, own_reply = self._remember(key, reply)
        if own_reply is None:
            own_reply = self._reply(outcome, request, _key_and_request(request)[1])
        return outcome, query.render(own_reply)
    # --8<-- [end:miss_path]

    # --8<-- [start:call]
    async def __call__(
        self, query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message | None:
        if len(query.question) != 1 or not query.flags & dns.flags.RD:
            # RD=0 asks us not to recurse: local data may answer, the cache does
            # not (it would tell anyone what the others asked: cache snooping).
            return await self.inner(query, src=src, dst=dst)
        key, request = _key_and_request(query)
        now = self.cache.clock()
        entry = self.cache.lookup(key, now)
        if entry is not None and not (entry.kind == "failure" and query.flags & dns.flags.CD):
            self._count_hit(entry, now)
            return _reply_from_entry(entry, now, request)
        self._stats.misses += 1
        if query.flags & dns.flags.CD:
            # RFC 4035 s3.2.2: with CD=1 a validating upstream skips its checks,
            # so the answer may be one a CD=0 client must never get: such a
            # query may read the cache, but neither fills it nor shares a refresh.
            return await self.inner(query, src=src, dst=dst)
        flight = self._in_flight.get(key)
        if flight is not None:
            if flight.waiting >= self.max_waiting_per_name:
                raise Busy(f"{flight.waiting} queries wait for {query.question[0]} already")
            self._stats.coalesced += 1
            flight.waiting += 1
            try:
                outcome = await asyncio.shield(flight.outcome)
            finally:
                flight.waiting -= 1
        else:
            flight = _Flight(asyncio.get_running_loop().create_future())
            self._in_flight[key] = flight
            try:
                outcome, own_reply = await self._refresh(key, query, src=src, dst=dst)
                flight.outcome.set_result(outcome)
            finally:
                del self._in_flight[key]
                if not flight.outcome.done():  # we were cancelled: so are those waiting
                    flight.outcome.cancel()
            if own_reply is not None:
                return own_reply
        return self._reply(outcome, query, request)
    # --8<-- [end:call]

    # --8<-- [start:refresh]
    async def _refresh(
        self, key: bytes, query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> tuple[Outcome, dns.message.Message | None]:
        """Ask the inner processor, and remember what it says when we may.

        Returns what identical queries waiting meanwhile answer from, and the
        reply for this query itself when it is not answered from an entry.
        """
        try:
            reply = await self.inner(query, src=src, dst=dst)
        except Busy:
            # One of our own limits, not the upstream's answer: SERVFAIL for this
            # query and those waiting with it, remembered by nobody (RFC 9520).
            reply = reply_with_rcode(query, dns.rcode.SERVFAIL)
            return reply, reply
        except Exception:
            # A failure like any other SERVFAIL: remembered briefly, below.
            logger.exception("processor failed on %s", query.question[0])
            reply = reply_with_rcode(query, dns.rcode.SERVFAIL)
        if reply is None:
            return None, None
        return self._remember(key, reply)
    # --8<-- [end:refresh]

    def _remember(self, key: bytes, reply: dns.message.Message
                  ) -> tuple[Outcome, dns.message.Message | None]:
        """Store `reply` when we may: what waiting queries answer from, and our own reply."""
        now = self.cache.clock()
        if reply.rcode() == dns.rcode.SERVFAIL:
            stale = self.cache.stale(key, now)
            if stale is not None:  # RFC 8767: better an old answer than none
                return stale, None
        try:
            encoded = reply.to_wire()
        except dns.exception.TooBig:  # over 65535 bytes: the server will truncate it
            return reply, reply
        stored = self.cache.store(key, encoded, now)
        if stored is None:
            return reply, reply
        # The reply as the cache will give it from now on (TTLs clamped, the
        # negative TTL on the SOA), without parsing what we just encoded.
        as_stored = with_stored_ttls(reply, stored.ttls)
        if as_stored is None:
            return stored.entry, None
        return as_stored, as_stored

    def _reply(
        self, outcome: Outcome, query: dns.message.Message, request: bytes
    ) -> dns.message.Message | None:
        if isinstance(outcome, Entry):
            now = self.cache.clock()
            if now >= outcome.expires_at:
                self._stats.stale_answers += 1  # (a miss already counted: not a hit)
            return _reply_from_entry(outcome, now, request)
        if outcome is None:
            return None
        return _adapted(outcome, query)

    def _count_hit(self, entry: Entry, now: float) -> None:
        if now >= entry.expires_at:
            self._stats.stale_answers += 1
        else:
            self._stats.hits += 1


def with_stored_ttls(reply: dns.message.Message, stored: Sequence[int]
                     ) -> dns.message.Message | None:
    """`reply` with each RRset's TTL as the cache stored it; None if they do not line up.

    `stored` has the TTLs in the order the RRs were encoded: section by
    section, RRset by RRset, RR by RR (dnspython encodes every RR of an RRset
    with the RRset's TTL). RRsets whose TTL changes are copied, since they may
    belong to someone else (a zone's own data, say).
    """
    sections = (reply.answer, reply.authority, reply.additional)
    if sum(len(rrset) for section in sections for rrset in section) != len(stored):
        return None  # a record we do not keep (a TSIG, say): answer from the entry
    position = 0
    for section in sections:
        for index, rrset in enumerate(section):
            ttl = min(stored[position:position + len(rrset)], default=rrset.ttl)
            position += len(rrset)
            if ttl != rrset.ttl:
                section[index] = rrset.copy()
                section[index].ttl = ttl
    return reply


def _key_and_request(query: dns.message.Message) -> tuple[bytes, bytes]:
    """The cache key of a parsed query, and its header and question as bytes."""
    question = query.question[0]
    asked = question.name.to_wire() + struct.pack(">HH", question.rdtype, question.rdclass)
    dnssec_ok = query.edns >= 0 and bool(query.ednsflags & dns.flags.DO)
    return wire.question_key(asked, dnssec_ok), struct.pack(">HH8x", query.id, query.flags) + asked


# --8<-- [start:assemble]
def _assemble(entry: Entry, query: bytes, question_end: int, edns: bool, body: bytes) -> bytes:
    """A hit's reply: four pieces of bytes, joined.

    The query's ID (bytes 0-1); the stored flags and counts with the client's
    RD and CD (and one more additional record when we add an OPT); the
    query's question, byte for byte, so the client sees its own spelling of
    the name (some clients randomise its case as a defence against spoofing,
    and check that it comes back unchanged); then the stored records, TTLs
    counted down; and our OPT if the client sent one (RFC 6891 s7).
    """
    head = entry.heads[(query[3] & wire.FLAG_AD) >> 2 | edns << 2
                       | (query[2] & wire.FLAG_RD) << 1 | (query[3] & wire.FLAG_CD) >> 4]
    reply = query[:2] + head + query[HEADER_SIZE:question_end] + body
    return reply + wire.OPT_RECORDS[entry.dnssec_ok] if edns else reply
# --8<-- [end:assemble]


def _reply_from_entry(entry: Entry, now: float, request: bytes) -> dns.message.Message:
    """The same bytes the fast path would send, parsed for the server to render.

    No OPT here: the server adds its own, exactly as for any other reply.
    """
    patched = _assemble(entry, request, entry.question_end, False, entry.body(now))
    return dns.message.from_wire(patched)


def _adapted(reply: dns.message.Message, query: dns.message.Message) -> dns.message.Message:
    """An uncached reply, copied for another client who asked the same question."""
    mine = dns.message.make_response(query)
    mine.flags = (reply.flags & ~dns.flags.RD) | (query.flags & dns.flags.RD)
    mine.set_rcode(reply.rcode())
    mine.answer = list(reply.answer)
    mine.authority = list(reply.authority)
    mine.additional = list(reply.additional)
    return mine



class _MissQuery:
    """A query the miss path answers: its bytes, and the ways to reply to it."""

    def __init__(self, query: bytes, question_end: int, edns: bool, limit: int) -> None:
        self.query = query
        self.question_end = question_end
        self.edns = edns
        self.limit = limit  # the largest UDP reply: the client's, and ours
        self._message: dns.message.Message | None = None

    def from_entry(self, entry: Entry, now: float) -> bytes:
        """The reply from a cache entry: as a hit's, or truncated the slow way if too big."""
        body = entry.body(now)
        if self.question_end + len(body) + (wire.OPT_SIZE if self.edns else 0) <= self.limit:
            return _assemble(entry, self.query, self.question_end, self.edns, body)
        request = _key_and_request(self.message())[1]
        return self.render(_reply_from_entry(entry, now, request))

    def message(self) -> dns.message.Message:
        """The query parsed, as the server parses it for the slow path."""
        if self._message is None:
            self._message = dns.message.from_wire(only_query_flags(self.query))
        return self._message

    def render(self, reply: dns.message.Message) -> bytes:
        """`reply` encoded by the server's rules (part 2): our OPT, CD copied, truncation."""
        return render(self.message(), reply, udp=True, max_udp_reply=self.limit)
