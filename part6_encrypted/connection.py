"""One reused TLS connection to one upstream, many queries pipelined over it.

RFC 7858 (DNS over TLS) is DNS over TCP (RFC 7766) inside TLS on port 853:
every message has a 2-byte length in front. What makes it cheap is reuse
(RFC 7858 s3.4): the TCP and TLS handshakes cost two or three round trips and
most of the CPU, so they are paid once, and then every query goes over the
same connection. Queries are pipelined (RFC 7766 s6.2.1.1): each is written
as soon as it is asked, without waiting for the one before, and the replies
come back in any order. The query ID is what pairs a reply with its query,
so no two queries in flight on one connection may share an ID.

The connection is opened on the first query, and opened again when the
server closes it (servers close idle connections, or restart) or after
`idle_timeout` seconds without queries (we close it: RFC 7766 s6.2.1 asks
clients not to hold idle connections without need).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl

import dns.exception
import dns.message

from part1_client import ResolveTimeout, TransportError

logger = logging.getLogger(__name__)

LENGTH_PREFIX = 2  # RFC 1035 s4.2.2, RFC 7766 s8


class ConnectionClosed(TransportError):
    """The server closed the connection (or it broke) before answering."""


# --8<-- [start:connection]
class TlsConnection:
    """A reused, pipelined DNS-over-TLS connection to `host`:`port`."""

    def __init__(self, host: str, port: int, server_name: str, context: ssl.SSLContext,
                 *, idle_timeout: float = 30.0, connect_timeout: float = 2.0) -> None:
        self.host, self.port, self.server_name = host, port, server_name
        self.context = context
        self.idle_timeout = idle_timeout
        self.connect_timeout = connect_timeout
        self.handshakes = 0  # completed TLS handshakes: one per connection opened
        self._writer: asyncio.StreamWriter | None = None
        self._opening: asyncio.Task | None = None
        self._reading: asyncio.Task | None = None
        self._waiting: dict[int, asyncio.Future[bytes]] = {}  # query ID -> its reply

    async def exchange(self, query: dns.message.Message, *,
                       timeout: float) -> dns.message.Message:
        """Send `query`, wait at most `timeout` seconds for its reply, and return it."""
        reply_wire = await self.exchange_wire(query.to_wire(), timeout=timeout)
        try:
            reply = dns.message.from_wire(reply_wire)
        except dns.exception.DNSException as error:
            raise TransportError(f"{self} sent a reply that does not parse: {error}") from None
        if not query.is_response(reply):
            raise TransportError(f"{self} answered another question: {reply.question}")
        return reply

    async def exchange_wire(self, query: bytes, *, timeout: float) -> bytes:
        """`exchange` on bytes: the reply to `query` as it came, with `query`'s ID.

        Part 4's miss path asks this way, and checks the reply itself.
        """
        try:
            async with asyncio.timeout(timeout):
                try:
                    return await self._exchange_once(query)
                except ConnectionClosed:
                    # The server may have closed an idle connection just as
                    # we wrote (RFC 7766 s6.2.3): try once more, on a new one.
                    logger.debug("%s closed the connection: asking again on a new one", self)
                    return await self._exchange_once(query)
        except ResolveTimeout:
            raise  # the handshake's own timeout, with its own message
        except TimeoutError:
            raise ResolveTimeout(f"no reply from {self} in {timeout:g}s") from None
# --8<-- [end:connection]

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tls://{host}:{self.port}#{self.server_name}"

    # --8<-- [start:exchange_once]
    async def _exchange_once(self, query: bytes) -> bytes:
        writer = await self._connected()
        query_id = self._free_id(int.from_bytes(query[:2], "big"))
        wire = query_id.to_bytes(2, "big") + query[2:]  # our ID on this connection
        reply_future = asyncio.get_running_loop().create_future()
        self._waiting[query_id] = reply_future
        try:
            # One write per message, so pipelined queries never interleave.
            writer.write(len(wire).to_bytes(LENGTH_PREFIX, "big") + wire)
            reply_wire = await reply_future
        finally:
            self._waiting.pop(query_id, None)
        return query[:2] + reply_wire[2:]  # back to the ID the caller knows

    def _free_id(self, wanted: int) -> int:
        """`wanted`, or a random ID if a query in flight here already has it."""
        query_id = wanted
        while query_id in self._waiting:
            query_id = random.randrange(65536)
        return query_id
    # --8<-- [end:exchange_once]

    # --8<-- [start:connect]
    async def _connected(self) -> asyncio.StreamWriter:
        """The open connection, or a new one (one handshake, however many callers wait)."""
        if self._writer is not None and not self._writer.is_closing():
            return self._writer
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
            self._opening.add_done_callback(self._opened)
        # shield: one caller giving up must not cancel the handshake for the others.
        return await asyncio.shield(self._opening)

    async def _open(self) -> asyncio.StreamWriter:
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self.context, server_hostname=self.server_name,
                )
        except TimeoutError:
            raise ResolveTimeout(f"TLS handshake with {self} took over "
                                 f"{self.connect_timeout:g}s") from None
        # ssl.SSLCertVerificationError (untrusted, expired, wrong name) and
        # ssl.SSLError (not TLS at all) are OSErrors: they go up as they are,
        # and the forwarder counts them as this upstream's failure. Never
        # plaintext instead: that is what an attacker would arrange.
        self.handshakes += 1
        logger.debug("TLS connection %d to %s: %s", self.handshakes, self,
                     writer.get_extra_info("ssl_object").version())
        self._writer = writer
        self._reading = asyncio.ensure_future(self._read_replies(reader, writer))
        return writer

    def _opened(self, task: asyncio.Task) -> None:
        self._opening = None
        if not task.cancelled():
            task.exception()  # retrieved here; the callers waiting get it too
    # --8<-- [end:connect]

    # --8<-- [start:read_replies]
    async def _read_replies(self, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> None:
        """Hand each reply to the query waiting for its ID, until the connection ends."""
        why = "closed by the server"
        try:
            while True:
                try:
                    async with asyncio.timeout(self.idle_timeout):
                        prefix = await reader.readexactly(LENGTH_PREFIX)
                except TimeoutError:
                    if self._waiting:
                        continue  # slow replies, not idleness: the queries have their own clocks
                    why = f"idle for {self.idle_timeout:g}s"
                    break
                wire = await reader.readexactly(int.from_bytes(prefix, "big"))
                waiting = self._waiting.get(int.from_bytes(wire[:2], "big"))
                if waiting is not None and not waiting.done():
                    waiting.set_result(wire)
                else:
                    logger.debug("%s: a reply nobody waits for (ID %s)", self, wire[:2].hex())
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError) as error:
            if not isinstance(error, asyncio.IncompleteReadError):
                why = f"broken: {error}"
        finally:
            logger.debug("connection to %s ends: %s", self, why)
            if self._writer is writer:
                self._writer = None
            writer.close()
            for waiting in self._waiting.values():
                if not waiting.done():
                    waiting.set_exception(ConnectionClosed(f"{self}: connection {why}"))
    # --8<-- [end:read_replies]

    async def close(self) -> None:
        """Close the connection, if one is open (the next query opens another)."""
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        self._reading = None
