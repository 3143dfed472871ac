"""Part 5's report card, measured against every resolver of the gallery.

Used by tests/part5 and by scripts/part5_cards.py (which writes the cards the
docs show): part 4, unbound, dnsmasq and each lying resolver, every one a
process of its own in front of the same lab, carded one at a time. unbound
resolves from the lab's root hints, so the lab must be on port 53 (as it is
in `make test`'s network namespace); the others forward to its upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path

from part5_checkup import LIES, Card, run_card

from .peers import unbound_recursive
from .resolvers import dnsmasq, liar, part4

PEERS = {
    "part 4": lambda net, workdir: part4(net.upstream, workdir),
    # unbound resolves from the lab's root hints: it walks the tree to the probe itself.
    "unbound": lambda net, workdir: unbound_recursive(net.root_hints, workdir),
    "dnsmasq": lambda net, workdir: dnsmasq(net.upstream, workdir),
}
BINARIES = {"unbound": "unbound", "dnsmasq": "dnsmasq"}
ALL = (*PEERS, *LIES)
# Seconds per answer. Everything is on loopback, but a forwarder's big answer
# crosses the lab three times (UDP, then TCP) and the test machine is busy.
TIMEOUT = 4.0
AT_ONCE = 1  # one card at a time (each takes 4 to 5 s): the lab is one thread


def installed(name: str) -> bool:
    binary = BINARIES.get(name)
    return binary is None or any(shutil.which(binary, path=p) for p in (None, "/usr/sbin"))


def can_run(name: str, net) -> bool:
    """Is `name`'s program installed, and (unbound) can it reach the lab?"""
    # unbound asks the servers the root hints name on port 53 only.
    return installed(name) and (name != "unbound" or net.authority_port == 53)


def measure(net, workdir: Path, names=ALL) -> dict[str, Card]:
    """{resolver: its card}, for the resolvers in `names` that can run here."""
    with contextlib.ExitStack() as processes:
        addresses = {}
        for name in names:
            if name in LIES:
                resolver = liar(name, net.upstream, workdir, intercept=net.unused_address)
            elif can_run(name, net):
                resolver = PEERS[name](net, workdir)
            else:
                continue
            addresses[name] = processes.enter_context(resolver)
        return asyncio.run(_card_all(net, addresses))


async def _card_all(net, addresses: dict) -> dict[str, Card]:
    turns = asyncio.Semaphore(AT_ONCE)

    async def card(address) -> Card:
        async with turns:
            return await run_card(address, timeout=TIMEOUT, probe_zone=net.probe_zone,
                                  unused_address=net.unused_address)

    cards = await asyncio.gather(*(card(address) for address in addresses.values()))
    return dict(zip(addresses, cards, strict=True))
