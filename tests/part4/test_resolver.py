"""The whole resolver of part 4 as the CLI builds it, over real sockets on loopback."""

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import time

import dns.asyncquery
import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.peers import free_port, wait_until_serving

from part2_server.options import settings_from
from part4_cache import Cache, CacheSettings, build_caching_resolver
from part4_cache.cli import add_cache_arguments, main
from part4_cache.service import log_stats_every

from .helpers import FakeClock


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_cache_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture
async def running(fake_upstream):
    """Part 4 on an ephemeral port, forwarding to the fake upstream, fake clock."""
    clock = FakeClock()
    caching = build_caching_resolver(
        CacheSettings(port=0, upstreams=[f"{fake_upstream.host}:{fake_upstream.port}"]),
        clock=clock,
    )
    server = caching.server()
    await server.start("127.0.0.1", 0)
    try:
        yield caching, server, clock
    finally:
        await server.stop()


async def test_hits_over_udp_and_tcp_do_not_reach_the_upstream(running, fake_upstream):
    caching, server, clock = running
    fake_upstream.answer("www.example.", "A", "www.example. 300 IN A 192.0.2.1")
    query = dns.message.make_query("www.example.", "A")
    first = await dns.asyncquery.udp(query, "127.0.0.1", port=server.port, timeout=2)
    clock.advance(5)
    by_udp = await dns.asyncquery.udp(query, "127.0.0.1", port=server.port, timeout=2)
    by_tcp = await dns.asyncquery.tcp(query, "127.0.0.1", port=server.port, timeout=2)
    assert len(fake_upstream.queries_for("www.example.")) == 1
    assert [r.answer[0].ttl for r in (first, by_udp, by_tcp)] == [300, 295, 295]
    assert caching.cache.stats.hits == 2


async def test_a_refused_client_is_refused_even_for_cached_names(fake_upstream):
    caching = build_caching_resolver(CacheSettings(
        port=0, allow=["10.0.0.0/8"], upstreams=[f"{fake_upstream.host}:{fake_upstream.port}"]))
    fake_upstream.answer("www.example.", "A", "www.example. 300 IN A 192.0.2.1")
    query = dns.message.make_query("www.example.", "A")
    await caching.cached(query, src=("10.0.0.7", 5353), dst=("10.0.0.1", 53))  # now cached
    assert caching.cached.fast_path(query.to_wire(), ("10.0.0.7", 5353), True) is not None
    server = caching.server()
    await server.start("127.0.0.1", 0)
    try:  # we ask from 127.0.0.1, which --allow leaves out
        reply = await dns.asyncquery.udp(query, "127.0.0.1", port=server.port, timeout=2)
    finally:
        await server.stop()
    assert reply.rcode() == dns.rcode.REFUSED
    assert reply.answer == []


def test_cache_flags_and_their_defaults(monkeypatch):
    for name in ("DNS_CACHE_SIZE", "DNS_MIN_TTL", "DNS_MAX_TTL", "DNS_SERVE_STALE"):
        monkeypatch.delenv(name, raising=False)
    args = parse("--upstream", "127.0.0.1:5300")
    assert (args.cache_size, args.min_ttl, args.max_ttl, args.max_negative_ttl,
            args.serve_stale) == (10000, 0, 86400, 3600, False)
    args = parse("--upstream", "127.0.0.1:5300", "--cache-size", "50", "--min-ttl", "10",
                 "--max-ttl", "600", "--serve-stale")
    cache = build_caching_resolver(settings_from(args, CacheSettings)).cache
    assert (cache.max_entries, cache.min_ttl, cache.max_ttl, cache.serve_stale) == (
        50, 10, 600, True)


def test_cache_flags_from_the_environment(monkeypatch):
    monkeypatch.setenv("DNS_CACHE_SIZE", "123")
    monkeypatch.setenv("DNS_MIN_TTL", "5")
    monkeypatch.setenv("DNS_MAX_TTL", "60")
    monkeypatch.setenv("DNS_SERVE_STALE", "yes")
    args = parse("--upstream", "127.0.0.1:5300")
    assert (args.cache_size, args.min_ttl, args.max_ttl, args.serve_stale) == (123, 5, 60, True)
    assert parse("--upstream", "127.0.0.1:5300", "--no-serve-stale").serve_stale is False


@pytest.mark.parametrize("argv, message", [
    (["--cache-size", "many"], "not a whole number"),
    (["--max-ttl", "-1"], "must not be negative"),
    (["--min-ttl", "100", "--max-ttl", "10"], "--min-ttl 100 is above --max-ttl 10"),
    (["--cache-size", "0"], "--cache-size must be at least 1"),
])
def test_bad_flags_get_a_usage_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--upstream", "127.0.0.1:5300", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_sigusr1_logs_the_statistics(fake_upstream_thread, tmp_path):
    fake_upstream_thread.answer("www.example.", "A", "www.example. 300 IN A 192.0.2.1")
    port = free_port()
    log = tmp_path / "resolver.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "part4_cache", "--port", str(port),
             "--upstream", f"{fake_upstream_thread.host}:{fake_upstream_thread.port}"],
            stderr=out, env={**os.environ, "DNS_EVENT_LOOP": "asyncio"})
    try:
        wait_until_serving("127.0.0.1", port, "example.", process, log)
        query = dns.message.make_query("www.example.", "A")
        dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
        dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
        process.send_signal(signal.SIGUSR1)
        # Two questions, each asked twice: the start-up probe's "example. SOA"
        # (over UDP then TCP; SERVFAIL, remembered) and www.example.
        expected = "cache: 2 entries, 2 hits, 2 misses"
        deadline = time.monotonic() + 5
        while expected not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the log line, not for a TTL
        assert expected in log.read_text()
        assert "UDP and TCP, asyncio" in log.read_text()  # the log says which event loop
    finally:
        process.terminate()
        process.wait(timeout=5)


async def test_statistics_are_logged_periodically_only_when_they_change(caplog):
    cache = Cache()
    caplog.set_level(logging.INFO, logger="part4_cache.service")
    ticker = asyncio.create_task(log_stats_every(cache, interval=0))
    try:
        for _ in range(5):
            await asyncio.sleep(0)
        assert not caplog.records  # nothing happened: nothing to say
        cache.stats.hits += 1
        for _ in range(5):
            await asyncio.sleep(0)
        assert [r.getMessage() for r in caplog.records] == [
            "cache: 0 entries, 1 hits, 0 misses, 0 evictions, 0 stale answers, 0 coalesced"]
    finally:
        ticker.cancel()
