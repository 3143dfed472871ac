"""What the part 4 tests share: a fake clock, a scripted inner processor, and
ways to ask a cached processor by its slow path and by its fast path."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
from dnstest.clock import FakeClock  # noqa: F401 (the part 4 tests import it from here)
from dnstest.fake_server import parse_rrs

SRC = ("127.0.0.1", 40000)
DST = ("127.0.0.1", 8053)


class Scripted:
    """An inner processor answering from rules, and counting the questions it gets.

    Replies are built like the forwarder's: make_response, then sections and rcode.
    """

    def __init__(self) -> None:
        self.rules: dict[tuple[dns.name.Name, int], dict] = {}
        self.calls: list[dns.message.Message] = []
        self.fail = False  # raise instead of answering (an upstream gone mad)
        self.gate = None  # an asyncio.Event to wait on before answering
        self.meanwhile = None  # called while the question is "upstream" (to move a clock)

    def answer(self, name: str, rdtype: str, *lines: str, authority=(), additional=(),
               rcode=dns.rcode.NOERROR, flags: int = dns.flags.RA) -> None:
        self.rules[(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))] = {
            "answer": parse_rrs(lines), "authority": parse_rrs(authority),
            "additional": parse_rrs(additional), "rcode": rcode, "flags": flags,
        }

    def asked(self, name: str, rdtype: str = "A") -> int:
        """How many times the question reached us."""
        key = (dns.name.from_text(name), dns.rdatatype.from_text(rdtype))
        return sum(1 for q in self.calls if (q.question[0].name, q.question[0].rdtype) == key)

    async def __call__(self, query, *, src, dst):
        self.calls.append(query)
        if self.gate is not None:
            await self.gate.wait()
        if self.meanwhile is not None:
            self.meanwhile()
        if self.fail:
            raise RuntimeError("scripted failure")
        question = query.question[0]
        rule = self.rules.get((question.name, question.rdtype))
        if rule is None:
            return None
        reply = dns.message.make_response(query)
        reply.flags |= rule["flags"]
        reply.set_rcode(rule["rcode"])
        reply.answer = list(rule["answer"])
        reply.authority = list(rule["authority"])
        reply.additional = list(rule["additional"])
        return reply


def make_query(name: str, rdtype: str = "A", *, edns: bool = True, do: bool = False,
               payload: int = 1232, query_id: int | None = None, **options):
    query = dns.message.make_query(name, rdtype, use_edns=0 if edns else False,
                                   want_dnssec=do, payload=payload, **options)
    if query_id is not None:
        query.id = query_id
    return query


async def slow(processor, query):
    """The processor's answer, as the server's slow path gets it."""
    return await processor(query, src=SRC, dst=DST)


def fast(processor, query, *, udp: bool = True, src=SRC):
    """The fast path's reply bytes parsed, or None on a fast-path miss."""
    wire = processor.fast_path(query.to_wire(), src, udp)
    return None if wire is None else dns.message.from_wire(wire)


def ttls(reply) -> dict[str, int]:
    """{"owner TYPE": ttl} for every RRset in the answer and authority sections."""
    return {
        f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}": rrset.ttl
        for section in (reply.answer, reply.authority, reply.additional)
        for rrset in section
    }
