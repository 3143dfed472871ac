"""Part 4 facing a bad upstream: poisoning attempts, forged replies, and
upstreams that fail while the resolver must keep serving what it can."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.fake_server import POISON_A
from dnstest.threads import serving_in_thread

from part4_cache import CacheSettings, build_caching_resolver

ZONE = Path(__file__).resolve().parents[2] / "zones" / "example.test.zone"
TIMEOUT = 1.0  # --timeout: the bound on a client's wait when upstreams fail


@pytest.fixture
def resolver(fake_upstream_thread):
    settings = CacheSettings(zones=[str(ZONE)], timeout=TIMEOUT,
                             upstreams=[f"127.0.0.1:{fake_upstream_thread.port}"])
    with serving_in_thread(build_caching_resolver(settings).server()) as server:
        yield server


def ask(server, name, rdtype="A", timeout=TIMEOUT + 2):
    query = dns.message.make_query(name, rdtype)
    return dns.query.udp(query, server.host, port=server.port, timeout=timeout)


def addresses(reply, name):
    return sorted(r.address for rrset in reply.answer if rrset.name.to_text() == name
                  for r in rrset)


def test_records_for_other_names_in_a_reply_are_not_answered_from_the_cache(
        fake_upstream_thread, resolver):
    fake = fake_upstream_thread
    fake.answer("www.victim.example.", "A",
                "www.victim.example. 300 IN A 127.0.0.5",
                "bank.victim.example. 300 IN A 127.6.6.6",  # not what was asked
                authority=["victim.example. 300 IN NS ns.evil.example."],
                additional=["bank.victim.example. 300 IN A 127.6.6.6",
                            "ns.evil.example. 300 IN A 127.6.6.6"])
    fake.answer("bank.victim.example.", "A", "bank.victim.example. 300 IN A 127.0.0.8")
    fake.answer("ns.evil.example.", "A", "ns.evil.example. 300 IN A 127.0.0.9")
    assert addresses(ask(resolver, "www.victim.example."), "www.victim.example.") == \
        ["127.0.0.5"]
    for name, right in (("bank.victim.example.", "127.0.0.8"),
                        ("ns.evil.example.", "127.0.0.9")):
        for _ in range(2):  # the first from upstream, the second from the cache
            assert addresses(ask(resolver, name), name) == [right]
        assert len(fake.queries_for(name, "A")) == 1, "asked upstream exactly once"


@pytest.mark.parametrize("spoof", ["id", "question", "source", "garbage"])
def test_a_forged_reply_sent_first_never_reaches_the_cache(fake_upstream_thread, resolver,
                                                           spoof):
    fake = fake_upstream_thread
    fake.answer("target.example.", "A", "target.example. 300 IN A 127.0.0.12", spoof=spoof)
    for _ in range(3):  # from upstream, then from the cache
        reply = ask(resolver, "target.example.")
        assert addresses(reply, "target.example.") == ["127.0.0.12"]
        assert POISON_A not in reply.to_text()
    assert len(fake.queries_for("target.example.", "A")) == 1


def test_a_dead_upstream_does_not_hold_up_cached_or_local_answers(fake_upstream_thread,
                                                                  resolver):
    fake = fake_upstream_thread
    fake.answer("cached.example.", "A", "cached.example. 300 IN A 127.0.0.11")
    assert addresses(ask(resolver, "cached.example."), "cached.example.") == ["127.0.0.11"]
    fake.answer("dead.example.", "A", "dead.example. 300 IN A 127.0.0.13", drop=True)
    fake.answer("slow.example.", "A", "slow.example. 300 IN A 127.0.0.14", delay=TIMEOUT * 3)
    waiting = {}

    def wait_for(name):
        started = time.monotonic()
        waiting[name] = (ask(resolver, name), time.monotonic() - started)

    stuck = [threading.Thread(target=wait_for, args=(n,)) for n in ("dead.example.",
                                                                     "slow.example.")]
    for thread in stuck:
        thread.start()
    time.sleep(0.1)  # both are now waiting on the upstream
    for _ in range(5):  # meanwhile, the cache and the local zone answer at once
        assert addresses(ask(resolver, "cached.example.", timeout=0.3),
                         "cached.example.") == ["127.0.0.11"]
        assert addresses(ask(resolver, "mail.example.test.", timeout=0.3),
                         "mail.example.test.") == ["192.0.2.25"]
    for thread in stuck:
        thread.join()
    for name in ("dead.example.", "slow.example."):
        reply, elapsed = waiting[name]
        assert reply.rcode() == dns.rcode.SERVFAIL, name
        assert elapsed < TIMEOUT + 0.5, f"{name}: SERVFAIL after {elapsed:.2f}s"


@pytest.mark.parametrize("trouble", [{"rcode": "SERVFAIL"}, {"rcode": "REFUSED"},
                                     {"truncate": True, "tcp_close": True}])
def test_upstream_trouble_becomes_servfail_within_the_bound(fake_upstream_thread, resolver,
                                                            trouble):
    fake = fake_upstream_thread
    if "rcode" in trouble:
        fake.rcode("broken.example.", "A", trouble["rcode"])
    else:
        fake.answer("broken.example.", "A", "broken.example. 300 IN A 127.0.0.15", **trouble)
    started = time.monotonic()
    reply = ask(resolver, "broken.example.")
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert time.monotonic() - started < TIMEOUT + 0.5
