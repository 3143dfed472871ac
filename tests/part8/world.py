"""The lab's tree, plus the zones part 8's tests need, every server counting queries.

The lab (lab/) serves the root, test. and the zones below it. Part 8 needs
a few more cases than a forwarder does, so this world starts the same zone
files on the same addresses, and adds under test.:

- flaky.test: two servers, the first dead (nothing listens at 127.0.0.9),
  so a resolver must fail over on a timeout;
- far.test: CNAMEs back and forth with flaky.test (a loop across zones, and
  chains of several hops);
- evil.test: a hostile authority that slips out-of-bailiwick records into
  every answer (an address for www.example.test, a referral for
  example.test, glue for ns1.example.test);
- lame.test: delegated to far.test's server, which does not serve it (it
  answers REFUSED), the commonest lame delegation;
- cycle-a.test and cycle-b.test: each served by a name server named in the
  other, neither with glue: a lookup that can never finish.

Every server counts the queries it receives, by address, so tests can count
what a resolver sent to the authorities.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

from lab import PROBE_ZONE, SERVERS, UNUSED_ADDRESS, ProbeAuthority
from lab.tree import load_lab_zones
from part2_server import DnsServer, Endpoint, ZoneProcessor

FLAKY = "127.0.0.11"
EVIL = "127.0.0.12"
FAR = "127.0.0.13"
DEAD = UNUSED_ADDRESS  # nothing listens there, ever

DELEGATIONS = f"""
flaky.test.      86400 NS ns1.flaky.test.
flaky.test.      86400 NS ns2.flaky.test.
ns1.flaky.test.  86400 A  {DEAD}
ns2.flaky.test.  86400 A  {FLAKY}
far.test.        86400 NS ns1.far.test.
ns1.far.test.    86400 A  {FAR}
evil.test.       86400 NS ns1.evil.test.
ns1.evil.test.   86400 A  {EVIL}
lame.test.       86400 NS ns1.far.test.
cycle-a.test.    86400 NS ns.cycle-b.test.
cycle-b.test.    86400 NS ns.cycle-a.test.
"""

ZONES = {
    "flaky.test.": f"""
@      SOA ns2 hostmaster 1 1800 900 604800 300
       NS  ns1
       NS  ns2
ns1    A   {DEAD}
ns2    A   {FLAKY}
www    A   192.0.2.100
ping   CNAME pong.far.test.
c1     CNAME c2.far.test.
c3     CNAME c4.far.test.
c5     CNAME c6.far.test.
c7     CNAME c8.far.test.
c9     CNAME c10.far.test.
""",
    "far.test.": f"""
@      SOA ns1 hostmaster 1 1800 900 604800 300
       NS  ns1
ns1    A   {FAR}
www    CNAME www.flaky.test.
pong   CNAME ping.flaky.test.
c2     CNAME c3.flaky.test.
c4     CNAME c5.flaky.test.
c6     CNAME c7.flaky.test.
c8     CNAME c9.flaky.test.
c10    A   192.0.2.110
""",
    "evil.test.": f"""
@      SOA ns1 hostmaster 1 1800 900 604800 300
       NS  ns1
ns1    A   {EVIL}
www    A   192.0.2.66
""",
}

SERVED = {**SERVERS, "flaky.test.": [FLAKY], "far.test.": [FAR], "evil.test.": [EVIL]}

# What the hostile authority adds to every reply (203.0.113.0/24: TEST-NET-3).
POISON = "203.0.113.66"


def _zone(origin: str, text: str) -> dns.zone.Zone:
    return dns.zone.from_text("$TTL 3600\n" + text, origin, relativize=False)


def all_zones() -> dict[str, dns.zone.Zone]:
    """The lab's zones, with the extra delegations in test., and the extra zones."""
    zones = load_lab_zones()
    test = zones["test."]
    for line in DELEGATIONS.strip().splitlines():
        owner, ttl, rdtype, data = line.split()
        rrset = dns.rrset.from_text(owner, int(ttl), "IN", rdtype, data)
        node = test.find_node(rrset.name, create=True)
        node.find_rdataset(rrset.rdclass, rrset.rdtype, create=True).update(rrset.to_rdataset())
    zones.update({origin: _zone(origin, text) for origin, text in ZONES.items()})
    return zones


class Poisoner:
    """The hostile authority: a correct answer, plus records it has no say over."""

    def __init__(self, zone: dns.zone.Zone) -> None:
        self.zone = ZoneProcessor([zone])

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        reply = await self.zone(query, src=src, dst=dst)
        if reply is not None:
            reply.answer.append(dns.rrset.from_text("www.example.test.", 86400, "IN", "A", POISON))
            reply.authority.append(
                dns.rrset.from_text("example.test.", 86400, "IN", "NS", "ns1.evil.test."))
            reply.additional.append(
                dns.rrset.from_text("ns1.example.test.", 86400, "IN", "A", POISON))
        return reply


class Counted:
    """A processor that counts the queries it is asked, and keeps their questions."""

    def __init__(self, inner, address: str, world: World) -> None:
        self.inner, self.address, self.world = inner, address, world

    async def __call__(self, query, *, src, dst):
        self.world.counts[self.address] += 1
        question = query.question[0]
        self.world.seen.append((self.address, question.name.to_text(),
                                dns.rdatatype.to_text(question.rdtype)))
        return await self.inner(query, src=src, dst=dst)


class World:
    """The running servers: root hints, port, and the queries each server got."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.seen: list[tuple[str, str, str]] = []  # (server, name, type) as received
        self.port = 0
        self.root_hints = Path()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[DnsServer] = []

    def total(self) -> int:
        return sum(self.counts.values())

    def _plan(self) -> list[tuple[str, object]]:
        zones = all_zones()
        plan = []
        for origin, addresses in SERVED.items():
            if origin == PROBE_ZONE:
                processor = ProbeAuthority(zones[origin])
            elif origin == "evil.test.":
                processor = Poisoner(zones[origin])
            else:
                processor = ZoneProcessor([zones[origin]])
            plan += [(address, Counted(processor, address, self)) for address in addresses]
        return plan

    async def _start(self, ports: list[int]) -> None:
        plan = self._plan()
        error = None
        for port in ports:
            try:
                for address, processor in plan:
                    server = DnsServer(processor)
                    await server.start(address, port)
                    self._servers.append(server)
                    port = server.port
                self.port = port
                return
            except OSError as failure:
                error = failure
                await self._stop()
        raise OSError(f"cannot start the world: {error}")

    async def _stop(self) -> None:
        for server in self._servers:
            await server.stop(grace=0.2)
        self._servers = []

    def start(self) -> World:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start([53, 0, 0, 0]), self._loop).result(10)
        root = load_lab_zones()["."]
        lines = []
        for ns in root.find_rdataset(root.origin, dns.rdatatype.NS):
            lines.append(f". 3600000 NS {ns.target}")
            for address in root.find_rdataset(ns.target, dns.rdatatype.A):
                lines.append(f"{ns.target} 3600000 A {address}")
        self.root_hints = Path(tempfile.mkdtemp(prefix="part8-")) / "root.hints"
        self.root_hints.write_text("\n".join(lines) + "\n")
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
        self.root_hints.unlink(missing_ok=True)
        self.root_hints.parent.rmdir()


@contextlib.contextmanager
def running_world() -> Iterator[World]:
    world = World().start()
    try:
        yield world
    finally:
        world.stop()
