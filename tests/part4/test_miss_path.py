"""Part 4's miss path on bytes gives the same replies as the slow path.

Two caching resolvers ask the same fake upstream on loopback: one answers
misses on bytes (`CachedProcessor.miss_path`), the other the slow way (the
same resolver, served without the miss path). Each case sends the same query
bytes to both and compares the replies in full, TTLs included (the clock is
a fake one and stands still). A counter on the slow path's processor tells
which way each query went, so a case cannot pass by falling back unnoticed.

Then RFC 5452's protections on the miss path: a random ID and source port
for each upstream query, and spoofed replies ignored.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest
from dnstest.fake_server import POISON_A, FakeDnsServer

from part4_cache import CacheSettings, build_caching_resolver
from part4_cache.misses import plain_reply, read_name, upstream_query
from part4_cache.wire import WireError

from .helpers import FakeClock

HOME_ZONE = Path(__file__).resolve().parents[2] / "zones" / "home.lan.zone"
SRC = ("127.0.0.1", 40000)


class Counting:
    """The slow path's processor, counting the queries that reach it."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls = 0

    async def __call__(self, query, *, src, dst):
        self.calls += 1
        return await self.inner(query, src=src, dst=dst)


class Side:
    """One caching resolver, served with or without the miss path."""

    def __init__(self, upstream: FakeDnsServer, *, bytes_misses: bool) -> None:
        settings = CacheSettings(upstreams=[f"{upstream.host}:{upstream.port}"],
                                 zones=[str(HOME_ZONE)], timeout=1.0)
        self.caching = build_caching_resolver(settings, clock=FakeClock())
        self.slow = Counting(self.caching.cached.inner)
        self.caching.cached.inner = self.slow
        self.server = self.caching.server()
        if not bytes_misses:
            self.server.miss_path = None
        assert (self.server.miss_path is None) != bytes_misses

    async def ask(self, wire: bytes) -> bytes:
        loop = asyncio.get_running_loop()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            sock.connect((self.server.host, self.server.port))
            await loop.sock_sendall(sock, wire)
            return await asyncio.wait_for(loop.sock_recv(sock, 65535), 5)


@pytest.fixture
async def sides(fake_upstream):
    fast = Side(fake_upstream, bytes_misses=True)
    slow = Side(fake_upstream, bytes_misses=False)
    for side in (fast, slow):
        await side.server.start("127.0.0.1", 0)
    yield fast, slow
    for side in (fast, slow):
        await side.server.stop()


def script(fake: FakeDnsServer) -> None:
    fake.answer("www.example.", "A", "www.example. 300 IN A 192.0.2.1",
                authority=["example. 3600 IN NS ns1.example."],
                additional=["ns1.example. 3600 IN A 192.0.2.53",
                            "ns1.example. 3600 IN AAAA 2001:db8::53"])
    fake.answer("many.example.", "A", "many.example. 300 IN A 192.0.2.1",
                "many.example. 300 IN A 192.0.2.2", "many.example. 300 IN A 192.0.2.3")
    fake.nxdomain("nope.example.")
    fake.nodata("www.example.", "AAAA")
    fake.answer("alias.example.", "A", "alias.example. 300 IN CNAME mid.example.",
                "mid.example. 60 IN CNAME www.example.", "www.example. 300 IN A 192.0.2.1")
    fake.answer("dangling.example.", "A", "dangling.example. 300 IN CNAME gone.example.",
                rcode="NXDOMAIN", authority=["example. 300 IN SOA ns.example. "
                                             "hostmaster.example. 1 3600 600 86400 120"])
    fake.answer("alias.example.", "CNAME", "alias.example. 300 IN CNAME mid.example.")
    fake.answer("ns.example.", "NS", "ns.example. 300 IN NS ns1.example.",
                additional=["ns1.example. 300 IN A 192.0.2.53"])
    fake.answer("rev.example.", "PTR", "rev.example. 300 IN PTR host.example.")
    fake.answer("zone.example.", "SOA",
                "zone.example. 300 IN SOA ns.zone.example. h.zone.example. 7 1 2 3 4")
    # Records part 3's scrub drops: the reply goes the slow way, scrubbed.
    fake.answer("scrub.example.", "A", "scrub.example. 300 IN A 192.0.2.7",
                "victim.other. 300 IN A 192.0.2.66",
                authority=["other. 300 IN NS ns.attacker.other."],
                additional=["unrelated.other. 300 IN A 192.0.2.66"])
    fake.answer("mx.example.", "MX", "mx.example. 300 IN MX 10 mail.example.",
                additional=["mail.example. 300 IN A 192.0.2.25"])
    fake.answer("zero.example.", "A", "zero.example. 0 IN A 192.0.2.8")  # not cached
    fake.answer("big.example.", "TXT", *[f'big.example. 300 IN TXT "{"x" * 200} {i}"'
                                          for i in range(8)])
    fake.answer("tc.example.", "A", "tc.example. 300 IN A 192.0.2.9", truncate=True)
    fake.rcode("fail.example.", "A", "SERVFAIL")
    fake.rcode("refused.example.", "A", "REFUSED")
    fake.script("lower.example.", "A", handler=lambda q: _lowered(q, "192.0.2.15"))
    fake.script("noquestion.example.", "A", handler=_servfail_without_question)
    fake.script("badvers.example.", "A", handler=_badvers)
    fake.answer("spoofed.example.", "A", "spoofed.example. 300 IN A 192.0.2.10",
                spoof=("id", "question", "source", "garbage"))


def _lowered(query: dns.message.Message, address: str) -> dns.message.Message:
    """An answer whose question and owner are spelled in lower case (0x20 undone)."""
    lowered = dns.message.make_query(str(query.question[0].name).lower(), "A", use_edns=0)
    lowered.id = query.id
    reply = dns.message.make_response(lowered)
    reply.flags |= dns.flags.RA
    reply.answer = [dns.rrset.from_text(lowered.question[0].name, 300, "IN", "A", address)]
    return reply


def _servfail_without_question(query: dns.message.Message) -> dns.message.Message:
    reply = dns.message.make_response(query)
    reply.set_rcode(dns.rcode.SERVFAIL)
    reply.question = []
    return reply


def _badvers(query: dns.message.Message) -> dns.message.Message:
    reply = dns.message.make_response(query)
    reply.set_rcode(dns.rcode.BADVERS)  # in the OPT record's extended rcode
    return reply


def canonical(reply: bytes) -> list:
    """A reply as text, each RRset's records sorted: dnspython shuffles them when it
    encodes (round robin), so their order is the one thing that may differ."""
    message = dns.message.from_wire(reply)
    lines = [f"id {message.id} flags {message.flags:#06x} rcode {message.rcode()}",
             f"edns {message.edns} {message.ednsflags:#x} {message.payload} {message.options}",
             f"question {message.question}"]
    names = ("answer", "authority", "additional")
    for name, section in zip(names, message.sections[1:], strict=True):
        lines += [f"{name}: {rrset.name} {rrset.ttl} {rrset.rdclass!r} {rrset.rdtype!r} "
                  f"{sorted(rdata.to_text() for rdata in rrset)}" for rrset in section]
    return lines


def query(name: str, rdtype: str = "A", *, edns: bool = True, **options) -> bytes:
    message = dns.message.make_query(name, rdtype, use_edns=0 if edns else False, **options)
    message.id = 4242
    return message.to_wire()


# (query, went the bytes way): False where the slow path must answer.
CASES = {
    "positive, NS and glue": (query("www.example."), True),
    "three addresses": (query("many.example."), True),
    "no EDNS": (query("www.example.", edns=False), True),
    "DO=1": (query("www.example.", want_dnssec=True), True),
    "mixed case": (query("WwW.ExAmPlE."), True),
    "NXDOMAIN": (query("nope.example."), True),
    "NODATA": (query("www.example.", "AAAA"), True),
    "CNAME chain": (query("alias.example."), True),
    "CNAME to nowhere": (query("dangling.example."), True),
    "the CNAME itself": (query("alias.example.", "CNAME"), True),
    "NS": (query("ns.example.", "NS"), True),
    "PTR": (query("rev.example.", "PTR"), True),
    "SOA": (query("zone.example.", "SOA"), True),
    "needs scrubbing": (query("scrub.example."), True),
    "MX (read by dnspython)": (query("mx.example.", "MX"), True),
    "TTL 0": (query("zero.example."), True),
    "too big for 512 bytes": (query("big.example.", "TXT", edns=False), True),
    "truncated: asked again over TCP": (query("tc.example."), True),
    "SERVFAIL upstream": (query("fail.example."), True),
    "REFUSED upstream": (query("refused.example."), True),
    "upstream lowercased the question": (query("LoWeR.example."), True),
    "SERVFAIL without a question": (query("noquestion.example."), True),
    "BADVERS (an extended rcode)": (query("badvers.example."), True),
    "spoofed replies first": (query("spoofed.example."), True),
    "the fake's default (REFUSED)": (query("unscripted.example."), True),
    "local zone": (query("nas.home.lan."), False),
    "local zone, a name it lacks": (query("nothing.home.lan."), False),
    "CD=1": (query("www.example.", flags=dns.flags.RD | dns.flags.CD), False),
    "RD=0": (query("www.example.", flags=0), False),
    "ANY": (query("www.example.", "ANY"), False),
    "class CH": (query("www.example.", "TXT", rdclass="CH"), False),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_the_miss_path_answers_as_the_slow_path(sides, fake_upstream, case):
    script(fake_upstream)
    wire, on_bytes = CASES[case]
    fast, slow = sides
    for attempt in ("miss", "hit"):
        replies = [await side.ask(wire) for side in (fast, slow)]
        assert replies[0][:2] == wire[:2]
        texts = [canonical(reply) for reply in replies]
        assert texts[0] == texts[1], attempt
        assert POISON_A not in str(texts[0])
    if on_bytes:
        assert slow.slow.calls >= 1
        assert fast.slow.calls == 0, "the miss path should have answered"
    else:
        assert fast.slow.calls == slow.slow.calls


async def test_a_refused_client_goes_the_slow_way(sides, fake_upstream):
    script(fake_upstream)
    fast, _ = sides
    cached = fast.caching.cached
    assert await cached.miss_path(query("www.example."), ("192.0.2.99", 5353)) is None
    assert await cached.miss_path(query("www.example."), SRC) is not None
    assert len(fake_upstream.queries_for("www.example.", "A")) == 1


async def test_identical_misses_wait_for_one_question(sides, fake_upstream):
    fake_upstream.answer("slow.example.", "A", "slow.example. 300 IN A 192.0.2.11", delay=0.2)
    fast, _ = sides
    replies = await asyncio.gather(*(fast.ask(query("slow.example.")) for _ in range(4)))
    assert len(fake_upstream.queries_for("slow.example.")) == 1
    assert len({str(canonical(r)) for r in replies}) == 1
    assert fast.caching.cache.stats.coalesced == 3


async def test_each_upstream_query_has_a_random_id_and_source_port(sides, fake_upstream):
    fake_upstream.answer(None, "A", "placeholder.example. 300 IN A 192.0.2.12")
    fast, _ = sides
    names = [f"n{i}.example." for i in range(24)]
    await asyncio.gather(*(fast.ask(query(name)) for name in names))
    assert fast.slow.calls == 0
    sent = [q for q in fake_upstream.queries if q.transport == "udp"]
    assert len(sent) == len(names)
    ids = {int.from_bytes(q.wire[:2], "big") for q in sent}
    ports = {q.src[1] for q in sent}
    # 24 draws from 65,536 IDs and 64,512 ports: a repeat is rare, two are rarer.
    assert len(ids) >= len(names) - 2 and len(ports) >= len(names) - 2
    assert 4242 not in ids  # never the client's ID
    # RFC 5452 s9.2: ports from the whole range, not the kernel's 32768-60999.
    assert min(ports) < 32768 or max(ports) > 60999


async def test_spoofed_replies_are_ignored_on_the_miss_path(sides, fake_upstream):
    fake_upstream.answer("target.example.", "A", "target.example. 300 IN A 192.0.2.13",
                         spoof=("id", "question", "source", "garbage"), delay=0.05)
    fast, _ = sides
    reply = dns.message.from_wire(await fast.ask(query("target.example.")))
    assert fast.slow.calls == 0
    assert [rdata.address for rdata in reply.answer[0]] == ["192.0.2.13"]
    # Nothing forged was cached either.
    again = dns.message.from_wire(await fast.ask(query("target.example.")))
    assert POISON_A not in again.to_text()


async def test_a_silent_upstream_gets_servfail_in_time(sides, fake_upstream):
    fake_upstream.answer("silent.example.", "A", "silent.example. 300 IN A 192.0.2.14",
                         drop=True)
    fast, _ = sides
    replies = await asyncio.gather(*(side.ask(query("silent.example.")) for side in sides))
    assert [dns.message.from_wire(r).rcode() for r in replies] == [dns.rcode.SERVFAIL] * 2
    assert fast.slow.calls == 0
    assert canonical(replies[0]) == canonical(replies[1])


def test_the_upstream_query_is_the_clients_question_with_our_own_header_and_opt():
    client = dns.message.make_query("Www.Example.", "AAAA", use_edns=0, payload=4096,
                                    want_dnssec=True)
    wire = client.to_wire()
    ours = dns.message.from_wire(upstream_query(wire, len(wire) - 11, True))
    assert ours.flags == dns.flags.RD
    assert str(ours.question[0].name) == "Www.Example."
    assert (ours.edns, ours.payload, ours.ednsflags) == (0, 1232, dns.flags.DO)


def test_names_are_read_as_dnspython_reads_them():
    wire = b"\0" * 12 + b"\3www\7example\0" + b"\xc0\x0c" + b"\xc0\x1f"
    assert read_name(wire, 12) == (b"\3www\7example\0", 25)
    assert read_name(wire, 25) == (b"\3www\7example\0", 27)
    for bad in (27, len(wire)):  # a pointer forward (to itself), and past the end
        with pytest.raises((WireError, IndexError)):
            read_name(wire, bad)
    with pytest.raises(WireError):
        read_name(b"\x40" + b"a" * 64 + b"\0", 0)  # a 64-byte label


def test_only_a_plain_reply_is_plain():
    asked = dns.message.make_query("a.example.", "A", use_edns=0)
    asked_wire = asked.to_wire()
    end = len(asked_wire) - 11

    def reply_with(*answer: str, **sections) -> bytes:
        reply = dns.message.make_response(asked)
        reply.answer = [dns.rrset.from_text(*line.split()) for line in answer]
        for name, lines in sections.items():
            setattr(reply, name, [dns.rrset.from_text(*line.split()) for line in lines])
        return reply.to_wire()

    assert plain_reply(reply_with("a.example. 60 IN A 192.0.2.1"), asked_wire, end)
    assert not plain_reply(reply_with("b.example. 60 IN A 192.0.2.1"), asked_wire, end)
    assert not plain_reply(reply_with("a.example. 60 IN TXT x"), asked_wire, end)
    assert not plain_reply(reply_with("a.example. 60 IN A 192.0.2.1",
                                      additional=["x.example. 60 IN A 192.0.2.2"]),
                           asked_wire, end)
    truncated = bytearray(reply_with("a.example. 60 IN A 192.0.2.1"))
    truncated[2] |= 0x02
    assert not plain_reply(bytes(truncated), asked_wire, end)
    doubled = reply_with("a.example. 60 IN A 192.0.2.1")
    record = doubled[end:len(doubled) - 11]
    twice = bytearray(doubled[:end] + record + record + doubled[len(doubled) - 11:])
    twice[7] = 2  # ANCOUNT: the same record twice, which dnspython would merge
    assert not plain_reply(bytes(twice), asked_wire, end)


async def test_hosts_names_go_the_slow_way_and_a_reload_is_seen(fake_upstream, tmp_path):
    fake_upstream.answer(None, "A", "placeholder.example. 300 IN A 192.0.2.16")
    hosts = tmp_path / "hosts"
    hosts.write_text("192.168.1.5 printer.example.\n")
    settings = CacheSettings(upstreams=[f"{fake_upstream.host}:{fake_upstream.port}"],
                             hosts=str(hosts))
    caching = build_caching_resolver(settings, clock=FakeClock())
    miss_path = caching.cached.miss_path
    assert await miss_path(query("printer.example."), SRC) is None  # the hosts file's
    assert await miss_path(query("scanner.example."), SRC) is not None
    hosts.write_text("192.168.1.6 copier.example.\n")
    caching.resolver.hosts.reload()
    assert await miss_path(query("copier.example."), SRC) is None
    assert await miss_path(query("printer.example."), SRC) is not None


def test_no_miss_path_without_a_plain_forwarder(fake_upstream):
    async def elsewhere(query, *, src, dst):
        return None

    settings = CacheSettings(upstreams=[f"{fake_upstream.host}:{fake_upstream.port}"])
    assert build_caching_resolver(settings).cached.upstream is not None
    caching = build_caching_resolver(settings, outward=elsewhere)  # as part 8 does
    assert caching.cached.upstream is None
    assert caching.server().miss_path is None


def test_a_reply_for_another_type_is_not_plain_even_when_only_case_would_differ():
    """QTYPE 0x0061 and 0x0041 differ as "a" and "A" do: only the name has a case."""
    asked = dns.message.make_query("a.example.", 97, use_edns=False)
    reply = dns.message.make_response(dns.message.make_query("a.example.", 65, use_edns=False))
    reply.id = asked.id
    asked_wire = asked.to_wire()
    assert asked_wire[-4:] == b"\0\x61\0\1"
    assert not plain_reply(reply.to_wire(), asked_wire, len(asked_wire))
    assert plain_reply(dns.message.make_response(asked).to_wire(), asked_wire, len(asked_wire))
