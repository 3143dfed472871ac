"""The cache a reader writes first: parsed replies in a dict, TTLs counting down.

It is correct for what it does, and short. It is not the cache this part
runs: it keeps only positive answers (no NXDOMAIN, no NODATA, no failures),
nothing bounds its size, and every hit copies a parsed message and renders it
again, which costs about as much as parsing (docs/part4.md measures it).
`caching.py` keeps the rules and makes hits fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import dns.message
import dns.rcode

from part2_server import Endpoint, Processor

Clock = Callable[[], float]
Key = tuple[str, int, int]


# --8<-- [start:simple]
class SimpleCache:
    """A processor that remembers the positive answers of `inner` for their TTL."""

    def __init__(self, inner: Processor, clock: Clock = time.monotonic) -> None:
        self.inner = inner
        self.clock = clock
        self.entries: dict[Key, tuple[dns.message.Message, float, int]] = {}

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        question = query.question[0]
        key = (question.name.to_text().lower(), question.rdtype, question.rdclass)
        if key in self.entries:
            reply, stored_at, ttl = self.entries[key]
            age = int(self.clock() - stored_at)
            if age < ttl:
                return self.counted_down(reply, query, age)
            del self.entries[key]   # expired: ask again
        reply = await self.inner(query, src=src, dst=dst)
        if reply is not None and reply.rcode() == dns.rcode.NOERROR and reply.answer:
            # The reply is kept as long as its shortest TTL: no record outlives its own.
            ttl = min(rrset.ttl for section in (reply.answer, reply.authority)
                      for rrset in section)
            if ttl > 0:   # TTL 0: for this transaction only (RFC 1035 s3.2.1)
                self.entries[key] = (reply, self.clock(), ttl)
        return reply

    @staticmethod
    def counted_down(reply: dns.message.Message, query: dns.message.Message,
                     age: int) -> dns.message.Message:
        """A copy of `reply` for `query`: its ID, its question, every TTL less `age`."""
        answer = dns.message.from_wire(reply.to_wire())
        answer.id = query.id
        answer.question = query.question
        for section in (answer.answer, answer.authority, answer.additional):
            for rrset in section:
                rrset.ttl = max(rrset.ttl - age, 0)
        return answer
# --8<-- [end:simple]
