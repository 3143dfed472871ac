"""The recursive processor: asks the authorities itself, starting at the root.

For each client question it walks down the tree of zones (RFC 1034 s5.3.3):
ask a server of the deepest zone known to hold the name; a referral names
the servers of a zone one step further down, so ask them next; stop at an
answer, NXDOMAIN or NODATA. On the way it

- follows CNAMEs into other zones (a new walk for the target);
- looks up the addresses of name servers that come without glue;
- keeps only what each server is an authority for (bailiwick.py);
- remembers delegations and server addresses (records.py), so the next
  question under a known zone starts there;
- asks the fastest server of a zone first, and the next on a timeout
  (servers.py);
- sends each server only as much of the name as it needs to see (query-name
  minimisation, RFC 9156): the root hears "test.", not "www.example.test.";
- gives up with SERVFAIL when the question costs too much (limits.py) or
  takes longer than the client's time bound.

It is a processor like part 3's forwarder, so part 4's cache goes in front
of it unchanged, and part 7's validator can sit between the two.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable, Iterator

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from part1_client import DnsClientError, exchange
from part1_client.sizes import EDNS_PAYLOAD
from part2_server import Endpoint, reply_with_rcode
from part4_cache import Cache

from .bailiwick import Kind, Reading, read_reply
from .hints import RootHints
from .limits import Budget, LimitReached, Limits
from .records import Delegation, RecordCache
from .servers import ServerTimes

logger = logging.getLogger(__name__)

DNS_PORT = 53


class ResolutionFailed(Exception):
    """No server of a zone gave a usable answer; the message says which zone."""


@dataclasses.dataclass
class Result:
    """The outcome of resolving one name and type: what the client will get."""

    rcode: int
    answer: list[dns.rrset.RRset]
    authority: list[dns.rrset.RRset]


@dataclasses.dataclass
class Step:
    """One query sent to an authority, and what came of it (for --trace)."""

    zone: dns.name.Name
    server: str
    qname: dns.name.Name
    rdtype: int
    reply: dns.message.Message | None
    reading: Reading | None
    elapsed: float
    error: str = ""


Listener = Callable[[Step], None]


class RecursiveResolver:
    """A processor that answers every question by walking down from the root."""

    def __init__(
        self,
        hints: RootHints,
        *,
        cache: Cache | None = None,
        port: int = DNS_PORT,
        timeout: float = 4.0,
        qname_minimisation: bool = True,
        randomise_case: bool = False,
        limits: Limits | None = None,
        max_in_flight: int = 150,
    ) -> None:
        self.hints = hints
        self.records = RecordCache(cache if cache is not None else Cache(), hints)
        self.port = port
        self.timeout = timeout
        self.qname_minimisation = qname_minimisation
        self.randomise_case = randomise_case
        self.limits = limits or Limits()
        self.max_in_flight = max_in_flight  # client questions being resolved at once
        self.in_flight = 0
        self.times = ServerTimes()
        self.listeners: list[Listener] = []
        self.queries_sent = 0  # in all, for tests and the benchmark

    def __str__(self) -> str:
        return f"resolving from the root hints in {self.hints.path}"

    # --8<-- [start:call]
    async def __call__(
        self, query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message:
        question = query.question[0]
        if question.rdclass != dns.rdataclass.IN or question.rdtype in (
                dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            return reply_with_rcode(query, dns.rcode.REFUSED)  # other classes, transfers
        if self.in_flight >= self.max_in_flight:  # as part 3's forwarder: bounded memory
            return _servfail(query)
        self.in_flight += 1
        try:
            async with asyncio.timeout(self.timeout):
                result = await self.resolve(question.name, question.rdtype, Budget(self.limits),
                                            dnssec=bool(query.ednsflags & dns.flags.DO))
        except TimeoutError:
            logger.info("SERVFAIL for %s: no answer within %gs", question, self.timeout)
            return _servfail(query)
        except (ResolutionFailed, LimitReached) as error:
            logger.info("SERVFAIL for %s: %s", question, error)
            return _servfail(query)
        finally:
            self.in_flight -= 1
        reply = dns.message.make_response(query)
        reply.set_rcode(result.rcode)
        reply.answer = result.answer
        reply.authority = result.authority
        reply.flags |= dns.flags.RA
        return reply
    # --8<-- [end:call]

    # --8<-- [start:resolve]
    async def resolve(self, name: dns.name.Name, rdtype: int, budget: Budget, *,
                      dnssec: bool = False, depth: int = 0) -> Result:
        """Resolve `name`/`rdtype`, following CNAMEs from zone to zone."""
        chain: list[dns.rrset.RRset] = []
        seen = {name}
        while True:
            result = await self.walk(name, rdtype, budget, dnssec=dnssec, depth=depth)
            chain += result.answer
            target = _unanswered_target(result.answer, name, rdtype)
            if target is None or result.rcode != dns.rcode.NOERROR or _negative(result):
                # Answered, or a negative answer for the end of the chain.
                return Result(result.rcode, chain, result.authority)
            # The chain left the zone that answered: a new walk for the target.
            budget.cname_hop()
            if target in seen:
                raise ResolutionFailed(f"a CNAME loop at {target}")
            seen.add(target)
            name = target
    # --8<-- [end:resolve]

    # --8<-- [start:walk]
    async def walk(self, name: dns.name.Name, rdtype: int, budget: Budget, *,
                   dnssec: bool = False, depth: int = 0) -> Result:
        """Walk down the zones to the one that holds `name`, and ask it."""
        # RFC 4035 s3.1.4.1: a DS record lives in the parent zone, above the cut.
        start = name.parent() if rdtype == dns.rdatatype.DS and name != dns.name.root else name
        delegation = self.records.closest(start)
        asked = delegation.zone  # how much of the name the servers have seen
        minimised = 0
        ds_at_parent = False
        while True:
            qname, qtype = name, rdtype
            if self.qname_minimisation and asked != name and minimised < self.limits.minimise:
                # RFC 9156: one label more than the zone, asked as type A.
                qname = dns.name.Name(name.labels[-(len(asked.labels) + 1):])
                if qname != name:
                    if self.records.exists(qname):  # asked before: it is no zone cut
                        asked = qname
                        continue
                    qtype = dns.rdatatype.A
                    minimised += 1
            reading = await self.ask_zone(delegation, qname, qtype, budget,
                                          dnssec=dnssec, depth=depth)
            if reading.kind is Kind.REFERRAL:
                ns = reading.authority[0]
                if rdtype == dns.rdatatype.DS and ns.name == name and not ds_at_parent:
                    asked, ds_at_parent = name, True  # the parent holds the DS: ask it
                    continue
                budget.referral()
                self.records.remember_delegation(ns, reading.glue)
                delegation = self.records.closest(ns.name)
                if delegation.zone != ns.name:  # not cached (a TTL of 0): use it as it came
                    delegation = Delegation(ns.name, [r.target for r in ns],
                                            _addresses(reading.glue))
                asked = ns.name
                continue
            if qname != name:
                if reading.kind is Kind.NXDOMAIN:
                    # RFC 8020: nothing exists below a name that does not exist.
                    return Result(dns.rcode.NXDOMAIN, [], reading.authority)
                # It exists (data, or an empty non-terminal) and is no zone cut:
                # remember that, and ask one label more.
                self.records.remember_exists(qname, reading.answer, reading.authority)
                asked = qname
                continue
            for rrset in reading.answer:
                if rrset.rdtype == dns.rdatatype.A:
                    self.records.remember_addresses(rrset)
            rcode = dns.rcode.NXDOMAIN if reading.kind is Kind.NXDOMAIN else dns.rcode.NOERROR
            return Result(rcode, reading.answer, reading.authority)
    # --8<-- [end:walk]

    # --8<-- [start:ask_zone]
    async def ask_zone(self, delegation: Delegation, qname: dns.name.Name, rdtype: int,
                       budget: Budget, *, dnssec: bool, depth: int) -> Reading:
        """Ask the servers of `delegation`, fastest first, until one answers as an authority."""
        tried: set[str] = set()
        lame: list[str] = []
        # Servers with known addresses first, fastest first; then those without
        # glue, each looked up only when all before it have failed.
        for addresses in self.server_addresses(delegation, budget, depth):
            for address in self.times.order([a for a in await addresses if a not in tried]):
                tried.add(address)
                reading = await self.ask(delegation.zone, address, qname, rdtype, budget, dnssec)
                if reading is None:
                    continue  # timed out, or could not be reached
                if reading.kind is Kind.LAME:
                    lame.append(f"{address}: {reading.why}")
                    continue
                return reading
        raise ResolutionFailed(f"no server for {delegation.zone} answered {qname}"
                               + (f" ({'; '.join(lame)})" if lame else ""))
    # --8<-- [end:ask_zone]

    def server_addresses(self, delegation: Delegation, budget: Budget,
                         depth: int) -> Iterator[Awaitable[list[str]]]:
        """Groups of addresses to try in turn: all those we know, then one server's at a time.

        Each group is a coroutine, so a lookup happens only when its turn comes.
        """
        known = {server: delegation.glue.get(server) or self.records.addresses(server)
                 for server in delegation.nameservers}
        yield _ready([address for addresses in known.values() for address in addresses])
        for server, addresses in known.items():
            if not addresses:
                yield self.look_up_server(server, budget, depth)

    # --8<-- [start:glueless]
    async def look_up_server(self, server: dns.name.Name, budget: Budget,
                             depth: int) -> list[str]:
        """The addresses of a name server that came without glue: a lookup of its own."""
        if depth >= budget.limits.depth or (server, dns.rdatatype.A) in budget.in_progress:
            return []  # too deep, or already being looked up above us: a loop
        budget.in_progress.add((server, dns.rdatatype.A))
        try:
            result = await self.resolve(server, dns.rdatatype.A, budget, depth=depth + 1)
        except ResolutionFailed as error:
            logger.info("cannot find the address of name server %s: %s", server, error)
            return []
        finally:
            budget.in_progress.discard((server, dns.rdatatype.A))
        return [rdata.address for rrset in result.answer
                if rrset.rdtype == dns.rdatatype.A for rdata in rrset]
    # --8<-- [end:glueless]

    # --8<-- [start:ask]
    async def ask(self, zone: dns.name.Name, address: str, qname: dns.name.Name, rdtype: int,
                  budget: Budget, dnssec: bool) -> Reading | None:
        """One query to one server; its reply read for `zone`, or None if none came."""
        budget.query()
        self.queries_sent += 1
        sent = _randomise_case(qname) if self.randomise_case else qname
        # make_query picks a random ID (RFC 5452 s4.3), and each query gets a
        # new socket, from a port drawn at random by part 1 (s4.5, s9.2).
        query = dns.message.make_query(sent, rdtype, use_edns=0, payload=EDNS_PAYLOAD,
                                       want_dnssec=dnssec)
        query.flags &= ~dns.flags.RD  # we iterate: the authorities need not recurse
        loop = asyncio.get_running_loop()
        started = loop.time()
        wait = self.times.timeout(address)
        try:
            reply = await exchange(query, address, self.port, timeout=wait, tries=1)
        except (DnsClientError, dns.exception.DNSException, OSError, EOFError) as error:
            elapsed = loop.time() - started
            self.times.timed_out(address, elapsed)
            self._tell(Step(zone, address, sent, rdtype, None, None, elapsed, str(error)))
            return None
        elapsed = loop.time() - started
        self.times.answered(address, elapsed)
        if self.randomise_case and reply.question and reply.question[0].name.labels != sent.labels:
            reading = Reading(Kind.LAME, why="the question came back in another case (0x20)")
        else:
            reading = read_reply(reply, qname, rdtype, zone)
        self._tell(Step(zone, address, sent, rdtype, reply, reading, elapsed))
        return reading
    # --8<-- [end:ask]

    def _tell(self, step: Step) -> None:
        for listener in self.listeners:
            listener(step)


async def _ready(value: list[str]) -> list[str]:
    return value


def _negative(result: Result) -> bool:
    """Does `result` carry an SOA: a negative answer (for the end of a CNAME chain)?"""
    return any(rrset.rdtype == dns.rdatatype.SOA for rrset in result.authority)


def _servfail(query: dns.message.Message) -> dns.message.Message:
    reply = reply_with_rcode(query, dns.rcode.SERVFAIL)
    reply.flags |= dns.flags.RA
    return reply


def _addresses(glue: list[dns.rrset.RRset]) -> dict[dns.name.Name, list[str]]:
    found: dict[dns.name.Name, list[str]] = {}
    for rrset in glue:
        found.setdefault(rrset.name, []).extend(rdata.address for rdata in rrset)
    return found


def _unanswered_target(answer: list[dns.rrset.RRset], name: dns.name.Name,
                       rdtype: int) -> dns.name.Name | None:
    """Where the CNAME chain in `answer` ends without data, or None if it is answered."""
    if rdtype in (dns.rdatatype.CNAME, dns.rdatatype.ANY):
        return None
    seen: set[dns.name.Name] = set()
    while name not in seen:
        seen.add(name)
        if any(r.name == name and r.rdtype == rdtype for r in answer):
            return None
        cname = next((r for r in answer if r.name == name and r.rdtype == dns.rdatatype.CNAME),
                     None)
        if cname is None:  # no data here: the end of a chain, or no chain at all
            return name if len(seen) > 1 else None
        name = cname[0].target
    return None  # a loop inside one reply: what the zone says, passed on as it is


def _randomise_case(name: dns.name.Name) -> dns.name.Name:
    """0x20 (draft-vixie-dnsext-dns0x20): each letter upper or lower case at random."""
    return dns.name.Name([
        bytes(c ^ 0x20 if chr(c).isalpha() and random.getrandbits(1) else c for c in label)
        for label in name.labels
    ])
