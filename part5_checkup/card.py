"""The report card: checks, their grades, and running them against one resolver.

A check is an async function that asks the resolver under test a few
questions and returns a `Result`: PASS, WARN or FAIL, the evidence in a few
words, the figures behind it, and the exchanges themselves (bytes included)
for whoever wants to look closer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
from collections.abc import Awaitable, Callable, Iterable

import dns.name
import dns.rcode

from part2_server import Endpoint

from .asking import Exchange, ask_tcp, ask_udp, make_query, random_label

INVALID = dns.name.from_text("invalid.")  # RFC 6761 s6.4: never exists, anywhere
DEFAULT_PROBE_ZONE = "probe.test."
LAB_PROBE_ZONE = dns.name.from_text(DEFAULT_PROBE_ZONE)


class Grade(enum.Enum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclasses.dataclass
class Result:
    grade: Grade
    evidence: str  # a few words: what was seen
    figures: dict[str, object] = dataclasses.field(default_factory=dict)
    exchanges: list[Exchange] = dataclasses.field(default_factory=list, repr=False)


def passed(evidence: str, **figures: object) -> Result:
    return Result(Grade.PASS, evidence, figures)


def warned(evidence: str, **figures: object) -> Result:
    return Result(Grade.WARN, evidence, figures)


def failed(evidence: str, **figures: object) -> Result:
    return Result(Grade.FAIL, evidence, figures)


NEEDS_THE_LAB = "needs the lab"


@dataclasses.dataclass
class Context:
    """What every check gets: where the resolver is, and how to ask it."""

    server: Endpoint
    timeout: float = 2.0
    probe_zone: dns.name.Name = LAB_PROBE_ZONE
    unused_address: str | None = None
    bogus_name: dns.name.Name | None = None  # signed, with signatures broken on purpose
    lab: bool = False  # did the probe zone answer through this resolver?
    exchanges: list[Exchange] = dataclasses.field(default_factory=list)

    async def udp(self, name, rdtype="A", *, server: Endpoint | None = None,
                  **options) -> Exchange:
        exchange = await ask_udp(make_query(name, rdtype, **options), server or self.server,
                                 self.timeout)
        self.exchanges.append(exchange)
        return exchange

    async def tcp(self, name, rdtype="A", **options) -> Exchange:
        exchange = await ask_tcp(make_query(name, rdtype, **options), self.server,
                                 self.timeout)
        self.exchanges.append(exchange)
        return exchange

    @property
    def nowhere(self) -> dns.name.Name:
        """Where random names cannot exist: the probe zone in the lab, .invalid elsewhere."""
        return self.probe_zone if self.lab else INVALID

    def random_name(self) -> dns.name.Name:
        return dns.name.from_text(random_label(), self.nowhere)

    def whoami_name(self) -> dns.name.Name:
        """A name the probe reflects on, new each time so that no cache has it."""
        return dns.name.from_text(f"{random_label()}.whoami", self.probe_zone)


CheckFunction = Callable[[Context], Awaitable[Result]]


@dataclasses.dataclass(frozen=True)
class Check:
    number: int
    name: str  # a stable key, used in --json
    title: str
    needs_lab: bool  # does it need the cooperating probe authority?
    run: CheckFunction


CHECKS: list[Check] = []


def check(number: int, name: str, title: str, *, needs_lab: bool = False
          ) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function on the card."""

    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(number, name, title, needs_lab, function))
        CHECKS.sort(key=lambda each: each.number)
        return function

    return register


@dataclasses.dataclass
class Card:
    """Everything one run of the card found out."""

    server: Endpoint
    probe_zone: str
    lab: bool
    answered: bool  # False: the resolver said nothing at all, and no check ran
    results: list[tuple[Check, Result]]

    @property
    def failures(self) -> list[Check]:
        return [each for each, result in self.results if result.grade is Grade.FAIL]

    def grades(self) -> dict[str, str]:
        return {each.name: result.grade.value for each, result in self.results}


# --8<-- [start:run_card]
async def run_card(server: Endpoint, *, timeout: float = 2.0,
                   probe_zone: str = DEFAULT_PROBE_ZONE, unused_address: str | None = None,
                   bogus_name: str | None = None,
                   only: Iterable[str] | None = None) -> Card:
    """Ask `server` every check's questions, and grade its answers."""
    context = Context(server, timeout, dns.name.from_text(probe_zone), unused_address,
                      dns.name.from_text(bogus_name) if bogus_name else None)
    card = Card(server, context.probe_zone.to_text(), False, False, [])
    if not await answers_at_all(context):
        return card
    card.answered = True
    context.lab = card.lab = await probe_reachable(context)
    chosen = [each for each in CHECKS if only is None or each.name in set(only)]

    async def graded(each: Check) -> Result:
        mine = dataclasses.replace(context, exchanges=[])
        result = await each.run(mine)
        result.exchanges = mine.exchanges
        return result

    # The checks ask different names, so they may run at once: the card takes
    # as long as its slowest check (TTL honesty waits for an expiry).
    results = await asyncio.gather(*(graded(each) for each in chosen))
    card.results = list(zip(chosen, results, strict=True))
    return card
# --8<-- [end:run_card]


async def answers_at_all(context: Context) -> bool:
    """Does anything answer a plain question, over UDP or TCP?"""
    name = dns.name.from_text(random_label(), INVALID)
    for ask in (context.udp, context.tcp):
        if (await ask(name)).answered:
            return True
    return False


async def probe_reachable(context: Context) -> bool:
    """Does the probe zone answer through this resolver (are we in the lab)?"""
    exchange = await context.udp(context.whoami_name(), "TXT")
    return (exchange.answered and exchange.reply.rcode() == dns.rcode.NOERROR
            and "addr" in whoami_facts(exchange))


def whoami_facts(exchange: Exchange) -> dict[str, str]:
    """The probe's "key=value" TXT strings as a dict (empty when there are none)."""
    facts = {}
    for rrset in exchange.rrsets("TXT"):
        for rdata in rrset:
            for text in rdata.strings:
                key, equals, value = text.decode(errors="replace").partition("=")
                if equals:
                    facts[key] = value
    return facts
