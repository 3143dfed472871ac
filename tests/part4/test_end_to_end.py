"""dig against part 4, forwarding to a real nsd on loopback.

The resolver runs in the test's event loop with a fake clock, so TTLs count
down without the test waiting; dig runs as a real process.
"""

import asyncio
import shutil
from pathlib import Path

import pytest
from dnstest.peers import nsd
from dnstest.tools import require_tool

from part4_cache import CacheSettings, build_caching_resolver

from .helpers import FakeClock

ZONE = Path(__file__).resolve().parents[2] / "zones" / "example.test.zone"


async def dig(port: int, *words: str) -> tuple[str, dict[str, int]]:
    """dig's status and {"owner TYPE": TTL} for the answer and authority records."""
    process = await asyncio.create_subprocess_exec(
        require_tool("dig"), "@127.0.0.1", "-p", str(port), "+tries=1", "+time=3",
        "+noall", "+comments", "+answer", "+authority", *words,
        stdout=asyncio.subprocess.PIPE)
    output = (await process.communicate())[0].decode()
    assert process.returncode == 0, output
    status = output.split("status: ", 1)[1].split(",", 1)[0]
    ttls = {}
    for line in output.splitlines():
        fields = line.split()
        if line and not line.startswith(";") and len(fields) >= 4:
            ttls[f"{fields[0]} {fields[3]}"] = int(fields[1])
    return status, ttls


@pytest.fixture
def zone(tmp_path):
    copy = tmp_path / "example.test.zone"
    shutil.copy(ZONE, copy)
    return copy


async def test_dig_sees_ttls_count_down_and_negative_answers_cached(zone, tmp_path):
    require_tool("dig")
    clock = FakeClock()
    server = None
    try:
        with nsd({"example.test.": zone}, tmp_path) as (host, port):
            settings = CacheSettings(upstreams=[f"{host}:{port}"], timeout=0.5)
            server = build_caching_resolver(settings, clock=clock).server()
            await server.start("127.0.0.1", 0)
            # nsd adds the zone's NS records in the authority section.
            assert await dig(server.port, "nas.example.test") == (
                "NOERROR", {"nas.example.test. A": 300, "example.test. NS": 3600})
            clock.advance(42)
            # Asked again, with a cookie (dig's default) and without EDNS: both hits.
            assert await dig(server.port, "nas.example.test") == (
                "NOERROR", {"nas.example.test. A": 258, "example.test. NS": 3558})
            assert await dig(server.port, "NAS.example.test", "+noedns") == (
                "NOERROR", {"NAS.example.test. A": 258, "example.test. NS": 3558})
            # RFC 2308: the negative TTL is min(SOA TTL 3600, MINIMUM 300).
            assert await dig(server.port, "nope.example.test") == (
                "NXDOMAIN", {"example.test. SOA": 300})
        # nsd has stopped: what the resolver still knows comes from its cache.
        clock.advance(100)
        assert await dig(server.port, "nope.example.test") == (
            "NXDOMAIN", {"example.test. SOA": 200})
        assert await dig(server.port, "nas.example.test") == (
            "NOERROR", {"nas.example.test. A": 158, "example.test. NS": 3458})
        clock.advance(200)  # the negative answer has expired, and nobody is upstream
        status, _ = await dig(server.port, "nope.example.test")
        assert status == "SERVFAIL"
    finally:
        if server is not None:
            await server.stop()
