"""A gallery of lying resolvers, each a processor wrapped around an honest one.

Every lie here was measured in the wild (docs/part5.md tells the story). Each
takes the honest resolver (part 4, forwarding to an upstream) and bends what
it says; two lies are not about answers but about the server around them
(no TCP; port-53 interception), and live in `Lie`'s options instead.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from part2_server import Endpoint, Processor, reply_with_rcode
from part4_cache import Cache, cached

AD_SERVER = "192.0.2.99"  # the provider's "search page" (a documentation address)
HOLD_SECONDS = 30 * 60  # every answer kept half an hour, whatever its TTL


async def never_answer() -> None:
    """Swallow the query: the client hears nothing, and times out."""
    await asyncio.Event().wait()  # until the server stops and cancels us


# --8<-- [start:nxdomain_rewrite]
def rewrite_nxdomain(honest: Processor) -> Processor:
    """"No such name" becomes the address of an advertising server."""

    async def lying(query: dns.message.Message, *, src: Endpoint, dst: Endpoint):
        reply = await honest(query, src=src, dst=dst)
        if reply is None or reply.rcode() != dns.rcode.NXDOMAIN:
            return reply
        lie = dns.message.make_response(query)
        lie.flags |= dns.flags.RA
        question = query.question[0]
        if question.rdtype == dns.rdatatype.A:
            lie.answer = [dns.rrset.from_text(question.name, 300, "IN", "A", AD_SERVER)]
        return lie  # NOERROR: the name "exists", and has our address

    return lying
# --8<-- [end:nxdomain_rewrite]


# --8<-- [start:hold_answers]
def hold_answers(honest: Processor) -> Processor:
    """Every answer kept (and served) for 30 minutes, whatever its TTL said."""
    return cached(honest, Cache(min_ttl=HOLD_SECONDS, max_ttl=HOLD_SECONDS))
# --8<-- [end:hold_answers]


# --8<-- [start:edns]
def drop_edns(honest: Processor) -> Processor:
    """A gateway that has never heard of EDNS: a query with OPT gets nothing."""

    async def choking(query: dns.message.Message, *, src: Endpoint, dst: Endpoint):
        if query.edns >= 0:
            return await never_answer()
        return await honest(query, src=src, dst=dst)

    return choking


def formerr_edns(honest: Processor) -> Processor:
    """A gateway that rejects what it does not understand: OPT gets FORMERR."""

    async def choking(query: dns.message.Message, *, src: Endpoint, dst: Endpoint):
        if query.edns >= 0:
            return reply_with_rcode(query, dns.rcode.FORMERR)
        return await honest(query, src=src, dst=dst)

    return choking
# --8<-- [end:edns]


# --8<-- [start:unknown_types]
# The types a gateway's firmware of 2005 knew; anything else is "garbage".
KNOWN_TYPES = {"A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA", "SRV"}


def drop_unknown_types(honest: Processor) -> Processor:
    """Queries for any type outside KNOWN_TYPES are dropped."""
    known = {dns.rdatatype.from_text(name) for name in KNOWN_TYPES}

    async def choking(query: dns.message.Message, *, src: Endpoint, dst: Endpoint):
        if query.question[0].rdtype not in known:
            return await never_answer()
        return await honest(query, src=src, dst=dst)

    return choking
# --8<-- [end:unknown_types]


# --8<-- [start:strip_aaaa]
def strip_aaaa(honest: Processor) -> Processor:
    """IPv6 addresses removed from every answer ("IPv6 breaks things here")."""

    async def stripping(query: dns.message.Message, *, src: Endpoint, dst: Endpoint):
        reply = await honest(query, src=src, dst=dst)
        if reply is not None:
            reply.answer = [r for r in reply.answer if r.rdtype != dns.rdatatype.AAAA]
            reply.additional = [r for r in reply.additional if r.rdtype != dns.rdatatype.AAAA]
        return reply

    return stripping
# --8<-- [end:strip_aaaa]


def unchanged(honest: Processor) -> Processor:
    return honest


# --8<-- [start:lie]
@dataclasses.dataclass(frozen=True)
class Lie:
    """One misbehaviour: how it bends the answers, and how it bends the server."""

    what: str  # one line, for --help and the docs
    wrap: Callable[[Processor], Processor] = unchanged
    tcp: bool = True  # False: TCP connections are closed without an answer
    intercepts: bool = False  # True: also answers on --intercept ADDRESS


LIES = {
    "nxdomain-rewrite": Lie("NXDOMAIN becomes an ad server's address", rewrite_nxdomain),
    "hold-30-minutes": Lie("every answer cached 30 minutes, whatever its TTL", hold_answers),
    "edns-drop": Lie("a query with OPT (EDNS) gets no answer", drop_edns),
    "edns-formerr": Lie("a query with OPT (EDNS) gets FORMERR", formerr_edns),
    "no-tcp": Lie("TCP connections are closed without an answer", tcp=False),
    "drop-unknown-types": Lie("queries for types a 2005 gateway did not know are dropped",
                              drop_unknown_types),
    "strip-aaaa": Lie("AAAA records are removed from answers", strip_aaaa),
    "intercept": Lie("answers queries sent to another address, as port-53 "
                     "interception does", intercepts=True),
}
# --8<-- [end:lie]
