"""Servers that count their TCP writes, for the tests of reply batching.

Part 2 gathers the replies of one connection that are ready in the same turn
of the event loop into one write (one send() system call, one TLS record);
these helpers let a test see how many writes went out.
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode

from part2_server.processor import reply_with_rcode


class CountingWrites:
    """Mix in before a server class: `writes` counts the write() calls its TCP
    and DoT connections make (each one a send() system call, over TLS a record)."""

    writes = 0

    async def _serve_connection(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        write = writer.write

        def counted(data: bytes) -> None:
            self.writes += 1
            write(data)

        writer.write = counted
        await super()._serve_connection(reader, writer)


def answer_at_once(wire: bytes, src, udp: bool) -> bytes:
    """A fast path that answers every query from its bytes, as part 4's cache
    answers a hit: the reply is ready in the turn the query was read in."""
    return reply_with_rcode(dns.message.from_wire(wire), dns.rcode.NXDOMAIN).to_wire()
