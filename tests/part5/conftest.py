import contextlib
import logging
from pathlib import Path

import pytest
from dnstest.report_cards import ALL, measure

from part2_server import DnsServer, ZoneProcessor, load_zones

REPO = Path(__file__).resolve().parents[2]
ZONES = [REPO / "zones" / "example.test.zone", Path(__file__).parent / "data" / "invalid.zone"]


@pytest.fixture
async def authority():
    """Part 2 serving example.test. and invalid. on 127.0.0.1: an upstream without a probe."""
    async with DnsServer(ZoneProcessor(load_zones(ZONES))) as server:
        await server.start("127.0.0.1", 0)
        yield server


# Module scope: the lab takes port 53 on 127.0.0.2-10 while it runs, and
# other test modules start labs of their own.
@pytest.fixture(scope="module")
def net():
    lab = pytest.importorskip("lab", reason="the lab (branch lab) is not merged yet")
    with lab.Lab.start() as running:
        yield running


@pytest.fixture(scope="module")
def cards(net, tmp_path_factory):
    """Every resolver's card, measured once for the module (about 30 s)."""
    with _quiet("lab", "part2_server"):
        return measure(net, tmp_path_factory.mktemp("resolvers"), ALL)


@contextlib.contextmanager
def _quiet(*names: str):
    """The liars make the lab's servers log; the test output needs none of it."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for each, level in zip(loggers, levels, strict=True):
            each.setLevel(level)
