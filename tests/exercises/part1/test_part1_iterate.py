"""Grading: part 1, exercise 3 (exercises/part1/iterate.py).

A small DNS tree of our own, on loopback: a root server, a server for
test., one for example.test. and one for far.test., each a part 2 server on
its own 127.0.0.x address, all on one port, as real servers are all on 53.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno

import dns.flags
import dns.rcode
import pytest
from exercise_files import EXERCISES, load_file

from part1_client import NegativeAnswer
from part2_server import ZoneProcessor

# The tree handed out with the exercise (a student runs it to try iterate.py).
TREE = load_file(EXERCISES / "part1" / "tree.py")
ROOT, TLD, EXAMPLE, FAR = TREE.ROOT, TREE.TLD, TREE.EXAMPLE, TREE.FAR


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
    processors = {address: Recording(address, processor, asked)
                  for address, processor in TREE.zone_processors(tmp_path).items()}
    for _attempt in range(20):
        try:
            async with TREE.serving(processors, 0) as port:
                yield Tree(port, asked)
                return
        except OSError as error:
            if error.errno == errno.EADDRNOTAVAIL:
                # Linux routes all of 127.0.0.0/8 to loopback; macOS has only
                # 127.0.0.1 until told otherwise (docs/teachers.md says how).
                pytest.skip(f"{ROOT} is not a loopback address here: {error}")
            if error.errno != errno.EADDRINUSE:
                raise
            # that port is taken on another address: pick another
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
