"""The one abstraction every part shares: a processor.

A processor answers a parsed query, or returns None when the name is none of
its business. The server loop owns the sockets, the parsing and the protocol
rules; a processor owns meaning. Parts 3 and 4 are processors wrapped around
processors, so this small interface is all they need.
"""

from __future__ import annotations

from typing import Protocol

import dns.message
import dns.rcode

# (host, port). A processor is told who sent the query (src), and where the
# server listens (dst): the address and port it was started with, which is
# 0.0.0.0 or :: when it listens on every address. (Which of the machine's
# addresses a packet came in on would take IP_PKTINFO; no processor needs it.)
Endpoint = tuple[str, int]


# --8<-- [start:processor]
class Processor(Protocol):
    async def __call__(
        self, query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message | None: ...
# --8<-- [end:processor]


def reply_with_rcode(query: dns.message.Message, rcode: dns.rcode.Rcode) -> dns.message.Message:
    """An empty reply to `query` carrying only a response code (REFUSED, SERVFAIL...)."""
    reply = dns.message.make_response(query)
    reply.set_rcode(rcode)
    return reply


# --8<-- [start:busy]
class Busy(Exception):
    """Raised by a processor that will not take one more query now: a limit of ours.

    The client gets SERVFAIL, as for any failure, but nothing remembers it:
    RFC 9520's failure caching is for what an upstream said (or did not say),
    and a SERVFAIL cached from our own limits would outlast the flood that
    caused it.
    """
# --8<-- [end:busy]
