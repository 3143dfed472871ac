"""A scripted inner processor and a hand-driven clock for part 4's grading."""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rrset

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


class Clock:
    """Time that moves only when the test says so: no test sleeps for a TTL."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """What the cache is in front of: answers A questions with one address."""

    def __init__(self, ttl: int = 100) -> None:
        self.ttl = ttl
        self.calls: list[str] = []
        self.rcode = dns.rcode.NOERROR
        self.fail_with: Exception | None = None
        self.gate: asyncio.Event | None = None   # when set, each call waits for it
        self.active = 0
        self.most_active = 0

    async def __call__(self, query, *, src, dst):
        name = query.question[0].name
        self.calls.append(name.to_text().lower())
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            for _ in range(5):
                await asyncio.sleep(0)   # let others start: concurrency shows
            if self.gate is not None:
                await self.gate.wait()
            if self.fail_with is not None:
                raise self.fail_with
            reply = dns.message.make_response(query)
            if self.rcode != dns.rcode.NOERROR:
                reply.set_rcode(self.rcode)
                return reply
            reply.answer.append(dns.rrset.from_text(name, self.ttl, "IN", "A", "192.0.2.1"))
            return reply
        finally:
            self.active -= 1


def query_wire(name: str, rdtype: str = "A") -> bytes:
    return dns.message.make_query(name, rdtype).to_wire()


def answer_ttl(reply_wire: bytes) -> int:
    reply = dns.message.from_wire(reply_wire)
    assert reply.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(reply.rcode())
    return reply.answer[0].ttl
