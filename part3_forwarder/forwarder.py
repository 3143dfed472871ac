"""The forwarder: a processor that relays questions to upstream resolvers.

For each client question it builds a query of its own (a fresh random ID, its
own EDNS record), asks the upstreams one after another through part 1's
`exchange` until one gives a usable answer, and copies that answer's rcode
and sections into a reply to the client.

The failure policy, which is the heart of it:

- An upstream that times out, cannot be reached, or sends a broken reply
  (another question, still truncated over TCP) has failed: it is skipped for
  the next upstream, and its failures count towards setting it aside.
- An upstream that answers with an rcode that is no answer (SERVFAIL,
  REFUSED, NOTIMP...) has declined this one name: the next upstream is asked,
  but nothing counts against it. It answered, so it is alive; the rcode is
  about the name. (unbound does the same: such a reply is thrown away and
  the next server tried; the server stays in good standing.)
- Spoofed packets (wrong ID, wrong question, wrong source address) and
  garbage are ignored while we wait for the real reply (part 1 does that).
- A truncated UDP reply is asked again over TCP (part 1 does that too).
- When every upstream has failed or declined, or the time is up, the client
  gets SERVFAIL: "I could not find out". Never NXDOMAIN, which is a lie
  ("this name does not exist") that the client's cache would keep; never
  silence, which makes the client wait for its own timeout and try again.
- The time is bounded: `timeout` seconds in all (default 4, under the 5 s a
  glibc or musl stub waits). Each attempt waits as long as the upstream's
  measured round trips suggest (see health.py), `attempt_timeout` (1 s) while
  nothing is known yet. Upstreams that only timed out are asked again, in
  turn, while time remains.
- At most `max_in_flight` client questions are forwarded at once (default 150,
  dnsmasq's --dns-forward-max), at most `max_per_client` from one client
  (unbound's wait-limit is the same idea); beyond that the forwarder raises
  Busy, which the client sees as an immediate SERVFAIL that nothing caches.
  A flood costs bounded memory, and one client cannot take every slot.
- The reply is scrubbed (scrub.py): records that do not answer the question
  are not relayed.
- A query with RD=0 ("do not recurse for me") is not forwarded: it gets local
  data or REFUSED, as unbound's default access rule does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import dns.exception
import dns.flags
import dns.message
import dns.rcode

from part1_client import DnsClientError, ResolveTimeout
from part1_client.sizes import EDNS_PAYLOAD
from part2_server.processor import Busy, Endpoint, reply_with_rcode

from .health import UpstreamHealth
from .scrub import scrub
from .upstream import Upstream

logger = logging.getLogger(__name__)

# What one attempt at an upstream brings back: a parsed answer (part 4's miss path: bytes).
Answer = TypeVar("Answer")

# Upstream rcodes we pass on to the client; any other means "ask another".
ANSWERS = (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)


class UpstreamFailure(Exception):
    """One upstream could not answer one question; the message says why."""


class UpstreamDeclined(Exception):
    """One upstream answered one question with an rcode that is no answer (REFUSED...)."""


class Forwarder:
    """A processor that answers every question by asking upstream resolvers."""

    def __init__(
        self,
        upstreams: Iterable[Upstream],
        *,
        timeout: float = 4.0,
        attempt_timeout: float = 1.0,
        max_in_flight: int = 150,
        max_per_client: int = 100,
        max_failures: int = 3,
        rest: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstreams = list(upstreams)
        if not self.upstreams:
            raise ValueError("a forwarder needs at least one upstream")
        self.timeout = timeout
        self.attempt_timeout = attempt_timeout
        self.max_in_flight = max_in_flight
        self.max_per_client = max_per_client
        # An attempt may take half the time at most, so a second upstream
        # always gets its turn when the first is silent.
        self.health = UpstreamHealth(
            self.upstreams, max_failures=max_failures, rest=rest, clock=clock,
            first_attempt=attempt_timeout, max_attempt=timeout / 2,
        )
        self.in_flight = 0
        self._in_flight_by_client: dict[str, int] = {}

    def __str__(self) -> str:
        return f"forwarding to {', '.join(map(str, self.upstreams))}"

    # --8<-- [start:call]
    async def __call__(
        self, query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message | None:
        if not query.flags & dns.flags.RD:
            return None  # RD=0: not ours to recurse for; the server says REFUSED
        client = src[0]
        self.take_slot(client)
        try:
            async with asyncio.timeout(self.timeout):
                return await self.forward(query)
        except TimeoutError:
            logger.info("SERVFAIL for %s: no upstream answered in %gs",
                        query.question[0], self.timeout)
        finally:
            self.give_back_slot(client)
        return reply_with_rcode(query, dns.rcode.SERVFAIL)
    # --8<-- [end:call]

    # --8<-- [start:slots]
    def take_slot(self, client: str) -> None:
        """Count one more question upstream, or raise Busy when a limit is reached."""
        if self.in_flight >= self.max_in_flight:
            raise Busy(f"{self.in_flight} questions upstream already")
        if self._in_flight_by_client.get(client, 0) >= self.max_per_client:
            raise Busy(f"{client} has {self.max_per_client} questions upstream already")
        self.in_flight += 1
        self._in_flight_by_client[client] = self._in_flight_by_client.get(client, 0) + 1

    def give_back_slot(self, client: str) -> None:
        self.in_flight -= 1
        self._in_flight_by_client[client] -= 1
        if not self._in_flight_by_client[client]:
            del self._in_flight_by_client[client]  # so the dict holds waiting clients only
    # --8<-- [end:slots]

    # --8<-- [start:forward]
    async def forward(self, query: dns.message.Message) -> dns.message.Message:
        """Ask the upstreams in turn until one answers; SERVFAIL if none does."""
        upstream_query = make_upstream_query(query)
        answer = await self.first_answer(lambda upstream: self.ask(upstream, upstream_query),
                                         query.question[0])
        if answer is None:
            return reply_with_rcode(query, dns.rcode.SERVFAIL)
        return relay(query, scrub(upstream_query.question[0], answer))

    async def first_answer(self, ask: Callable[[Upstream], Awaitable[Answer]],
                           question: object) -> Answer | None:
        """`ask(upstream)` for each upstream in turn until one answers; None if none does.

        (Part 4's miss path asks on bytes through this same loop.)
        """
        candidates = self.health.order()
        while candidates:
            silent = []  # the ones that only timed out get another turn
            for upstream in candidates:
                try:
                    return await ask(upstream)
                except ResolveTimeout:
                    self.health.failed(upstream, "timed out", timed_out=True)
                    silent.append(upstream)
                except UpstreamFailure as failure:
                    self.health.failed(upstream, str(failure))
                except UpstreamDeclined as declined:  # about the name: just ask the next
                    logger.debug("upstream %s said %s for %s", upstream, declined, question)
            candidates = silent
        logger.info("SERVFAIL for %s: every upstream failed", question)
        return None
    # --8<-- [end:forward]

    # --8<-- [start:ask]
    async def ask(self, upstream: Upstream, query: dns.message.Message) -> dns.message.Message:
        """One attempt at one upstream: its answer, or UpstreamFailure, UpstreamDeclined
        or ResolveTimeout."""
        try:
            result = await upstream.exchange_detailed(
                query, timeout=self.health.attempt_timeout(upstream))
        except ResolveTimeout:
            raise
        except (DnsClientError, dns.exception.DNSException, OSError, EOFError) as error:
            raise UpstreamFailure(f"{type(error).__name__}: {error}") from error
        return self.judge(upstream, query, result.reply, result.elapsed)

    def judge(self, upstream: Upstream, query: dns.message.Message,
              answer: dns.message.Message, elapsed: float) -> dns.message.Message:
        """`answer`, if it is one: else UpstreamFailure or UpstreamDeclined."""
        # Part 1 already ignores replies for another question; checking again
        # here keeps that promise visible where it matters.
        if not same_question(query, answer):
            raise UpstreamFailure(f"answered another question: {answer.question}")
        if answer.flags & dns.flags.TC:
            raise UpstreamFailure("still truncated")
        self.health.succeeded(upstream, elapsed)  # it replied, and this fast
        if answer.rcode() not in ANSWERS:
            raise UpstreamDeclined(dns.rcode.to_text(answer.rcode()))
        return answer
    # --8<-- [end:ask]


# --8<-- [start:upstream_query]
def make_upstream_query(query: dns.message.Message) -> dns.message.Message:
    """Our own query for the client's question: new ID, our EDNS, the client's DO and CD."""
    question = query.question[0]
    flags = dns.flags.RD | (query.flags & dns.flags.CD)  # we ask for recursion, always
    # RFC 6891 s6.1.1: OPT is hop-by-hop, so we send our own, not the client's
    # (its payload size and options are about the client's link, not ours).
    # RFC 3225 s3: DO is copied, so a client that wants DNSSEC records gets them.
    return dns.message.make_query(
        question.name, question.rdtype, question.rdclass,
        use_edns=0, payload=EDNS_PAYLOAD, flags=flags,
        want_dnssec=bool(query.ednsflags & dns.flags.DO),
    )
# --8<-- [end:upstream_query]


# --8<-- [start:relay]
def relay(query: dns.message.Message, answer: dns.message.Message) -> dns.message.Message:
    """The client's reply: its ID and question (as asked), the upstream's rcode and data."""
    reply = dns.message.make_response(query)  # the client's ID, question and RD
    reply.set_rcode(answer.rcode())
    reply.answer = answer.answer
    reply.authority = answer.authority
    reply.additional = answer.additional  # the upstream's OPT is not in here: good
    # RA=1: we recurse (by proxy). AA stays 0: we are not the authority.
    # RFC 4035 s3.1.6: CD is copied from the query. AD is not passed on: we
    # did not validate, and cannot vouch for the path to the upstream.
    reply.flags |= dns.flags.RA | (query.flags & dns.flags.CD)
    return reply
# --8<-- [end:relay]


def same_question(query: dns.message.Message, answer: dns.message.Message) -> bool:
    """Does `answer` answer `query`'s question? (Names compare without case.)"""
    if len(answer.question) != 1:
        return False
    asked, answered = query.question[0], answer.question[0]
    return (asked.name, asked.rdtype, asked.rdclass) == (
        answered.name, answered.rdtype, answered.rdclass
    )
