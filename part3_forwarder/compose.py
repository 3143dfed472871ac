"""compose: ask several processors in turn; the first answer wins.

This is the whole trick of a home resolver: local data first (the hosts file,
the zone files), then the forwarder for everything else. Each processor says
None for what is not its business, so the order of the list is the policy.
"""

from __future__ import annotations

import dns.flags
import dns.message

from part2_server.processor import Endpoint, Processor


# --8<-- [start:compose]
def compose(*processors: Processor) -> Processor:
    """A processor that asks `processors` in order and returns the first answer."""

    async def first_answer(
        query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message | None:
        for processor in processors:
            reply = await processor(query, src=src, dst=dst)
            if reply is not None:
                return reply
        return None  # nobody's business: the server will say REFUSED

    return first_answer
# --8<-- [end:compose]


# --8<-- [start:recursion_available]
def recursion_available(processor: Processor) -> Processor:
    """`processor`, with RA=1 on its replies: the composed whole offers recursion.

    A zone or the hosts file answers as an authority would (RA=0), but the
    client is talking to a resolver; RFC 1035 s4.1.1 says RA tells whether the
    server offers recursion, and stubs warn when it is clear.
    """

    async def with_ra(
        query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message | None:
        reply = await processor(query, src=src, dst=dst)
        if reply is not None:
            reply.flags |= dns.flags.RA
        return reply

    return with_ra
# --8<-- [end:recursion_available]
