"""Grading: part 1, exercise 3 (exercises/part1/iterate.py).

A small DNS tree of our own, on loopback: a root server, a server for
test., one for example.test. and one for far.test., each a part 2 server on
its own 127.0.0.x address, all on one port, as real servers are all on 53.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno

import dns.flags
import dns.rcode
import pytest

from part1_client import NegativeAnswer
from part2_server.authority import ZoneProcessor
from part2_server.server import DnsServer
from part2_server.zones import load_zone

ROOT, TLD, EXAMPLE, FAR = "127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"
SOA = "SOA ns hostmaster 1 7200 900 1209600 300"

ZONES = {
    ROOT: f"""$ORIGIN .
$TTL 3600
@               {SOA.replace("ns hostmaster", "a.root-servers. hostmaster.root-servers.")}
@               NS   a.root-servers.
a.root-servers. A    {ROOT}
test.           NS   ns.nic.test.
ns.nic.test.    A    {TLD}
""",
    TLD: f"""$ORIGIN test.
$TTL 3600
@               {SOA.replace("ns hostmaster", "ns.nic hostmaster.nic")}
@               NS   ns.nic
ns.nic          A    {TLD}
example         NS   ns.example
ns.example      A    {EXAMPLE}
; far.test's server is named inside example.test: no glue here.
far             NS   ns.far.example.test.
; a delegation that points back at this very server
loop            NS   ns.loop
ns.loop         A    {TLD}
""",
    EXAMPLE: f"""$ORIGIN example.test.
$TTL 3600
@               {SOA}
@               NS   ns
ns              A    {EXAMPLE}
www             A    192.0.2.80
web             CNAME www
shop            CNAME www.far.test.
ns.far          A    {FAR}
""",
    FAR: f"""$ORIGIN far.test.
$TTL 3600
@               {SOA.replace("ns hostmaster", "ns.far.example.test. hostmaster")}
@               NS   ns.far.example.test.
www             A    192.0.2.99
""",
}


@dataclasses.dataclass
class Asked:
    server: str
    name: str
    recursion_desired: bool


class Recording:
    """A processor that notes every question before the zones answer it."""

    def __init__(self, address: str, inner: ZoneProcessor, log: list[Asked]) -> None:
        self.address, self.inner, self.log = address, inner, log

    async def __call__(self, query, *, src, dst):
        self.log.append(Asked(self.address, str(query.question[0].name),
                              bool(query.flags & dns.flags.RD)))
        return await self.inner(query, src=src, dst=dst)


@dataclasses.dataclass
class Tree:
    port: int
    asked: list[Asked]


@pytest.fixture
async def tree(tmp_path):
    asked: list[Asked] = []
    processors = {}
    for address, text in ZONES.items():
        path = tmp_path / f"{address}.zone"
        path.write_text(text)
        processors[address] = Recording(address, ZoneProcessor([load_zone(path)]), asked)
    for _attempt in range(20):
        async with contextlib.AsyncExitStack() as stack:
            first = DnsServer(processors[ROOT])
            try:
                await first.start(ROOT, 0)
            except OSError as error:
                if error.errno != errno.EADDRNOTAVAIL:
                    raise
                # Linux routes all of 127.0.0.0/8 to loopback; macOS has only
                # 127.0.0.1 until told otherwise (docs/teachers.md says how).
                pytest.skip(f"{ROOT} is not a loopback address here: {error}")
            stack.push_async_callback(first.stop)
            try:
                for address in (TLD, EXAMPLE, FAR):
                    server = DnsServer(processors[address])
                    await server.start(address, first.port)
                    stack.push_async_callback(server.stop)
            except OSError:
                continue   # that port is taken on another address: pick another
            yield Tree(first.port, asked)
            return
    pytest.fail("no port free on all four addresses")


async def iterate(module, tree, name, rdtype="A"):
    # The student's code blocks; our servers run in this event loop.
    return await asyncio.to_thread(module.iterate, name, rdtype, root=ROOT, port=tree.port)


@pytest.fixture
def walker(exercise):
    return exercise("part1/iterate")


async def test_down_the_tree_with_glue(walker, tree):
    assert await iterate(walker, tree, "www.example.test") == ["192.0.2.80"]
    assert [asked.server for asked in tree.asked] == [ROOT, TLD, EXAMPLE]


async def test_queries_do_not_ask_for_recursion(walker, tree):
    await iterate(walker, tree, "www.example.test")
    assert tree.asked and not any(asked.recursion_desired for asked in tree.asked)


async def test_a_cname_inside_the_zone_comes_with_its_answer(walker, tree):
    assert await iterate(walker, tree, "web.example.test") == ["192.0.2.80"]


async def test_a_server_without_glue_is_found_from_the_root(walker, tree):
    assert await iterate(walker, tree, "www.far.test") == ["192.0.2.99"]
    names = [asked.name for asked in tree.asked]
    assert "ns.far.example.test." in names     # its address had to be looked up
    assert tree.asked[-1] == Asked(FAR, "www.far.test.", False)


async def test_a_cname_into_another_zone_is_resolved_from_the_root(walker, tree):
    assert await iterate(walker, tree, "shop.example.test") == ["192.0.2.99"]
    assert tree.asked[-1].server == FAR


async def test_no_such_name(walker, tree):
    with pytest.raises(NegativeAnswer) as raised:
        await iterate(walker, tree, "nope.example.test")
    assert raised.value.rcode == dns.rcode.NXDOMAIN


async def test_no_such_type(walker, tree):
    assert await iterate(walker, tree, "www.example.test", "AAAA") == []


async def test_a_referral_that_leads_nowhere_is_an_error(walker, tree):
    with pytest.raises(walker.IterationError):
        await iterate(walker, tree, "www.loop.test")
    assert len(tree.asked) <= 2 + walker.MAX_REFERRALS
