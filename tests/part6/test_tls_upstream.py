"""Forwarding over TLS: reuse, reconnection, and every way the path can go wrong.

The upstream is part 6's own server (authoritative for example.test.) with a
certificate from the test CA; the forwarder is part 3's, with TLS upstreams.
Each failure must end in SERVFAIL, and never in a plaintext answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time

import dns.message
import dns.rcode
import pytest

from part3_forwarder import Forwarder, Upstream
from part6_encrypted import (
    EncryptedSettings,
    TlsUpstream,
    build_encrypted_resolver,
    client_context,
    parse_any_upstream,
)

from .conftest import HOST, NAME, tls_server

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


def tls_upstream(port: int, ca, name: str = NAME, **options) -> TlsUpstream:
    return TlsUpstream(HOST, port, name).connected(client_context(ca), **options)


async def ask(forwarder: Forwarder, name: str = "www.example.test.") -> dns.message.Message:
    query = dns.message.make_query(name, "A")
    return await forwarder(query, src=SRC, dst=DST)


def addresses(reply: dns.message.Message) -> list[str]:
    return sorted(rdata.address for rrset in reply.answer for rdata in rrset
                  if hasattr(rdata, "address"))


async def test_answers_over_tls(pki):
    async with tls_server(pki.cert, pki.key) as server:
        forwarder = Forwarder([tls_upstream(server.tls_port, pki.ca)], timeout=2)
        reply = await ask(forwarder)
    assert reply.rcode() == dns.rcode.NOERROR
    assert addresses(reply) == ["192.0.2.10"]


async def test_many_queries_cost_one_handshake(pki):
    async with tls_server(pki.cert, pki.key) as server:
        upstream = tls_upstream(server.tls_port, pki.ca)
        forwarder = Forwarder([upstream], timeout=2)
        for _ in range(10):  # one after another...
            assert (await ask(forwarder)).rcode() == dns.rcode.NOERROR
        replies = await asyncio.gather(*(ask(forwarder) for _ in range(40)))  # ...and at once
    assert all(reply.rcode() == dns.rcode.NOERROR for reply in replies)
    assert upstream.connection.handshakes == 1


async def test_pipelined_queries_with_the_same_id_get_their_own_replies(pki):
    async with tls_server(pki.cert, pki.key) as server:
        upstream = tls_upstream(server.tls_port, pki.ca)
        names = ["www.example.test.", "example.test.", "mail.example.test."]
        queries = [dns.message.make_query(name, "A", id=4242) for name in names]
        results = await asyncio.gather(*(upstream.exchange_detailed(q, timeout=2)
                                         for q in queries))
        replies = [result.reply for result in results]
    assert [str(r.question[0].name) for r in replies] == names
    assert all(reply.id == 4242 for reply in replies)
    assert upstream.connection.handshakes == 1


async def test_reconnects_after_the_upstream_restarts(pki):
    async with tls_server(pki.cert, pki.key) as server:
        port = server.tls_port
        upstream = tls_upstream(port, pki.ca)
        forwarder = Forwarder([upstream], timeout=2)
        assert (await ask(forwarder)).rcode() == dns.rcode.NOERROR
    async with tls_server(pki.cert, pki.key, tls_port=port):  # the same port, a new process
        reply = await ask(forwarder)
    assert reply.rcode() == dns.rcode.NOERROR
    assert addresses(reply) == ["192.0.2.10"]
    assert upstream.connection.handshakes == 2


async def test_an_idle_connection_is_closed_and_reopened(pki):
    async with tls_server(pki.cert, pki.key) as server:
        upstream = tls_upstream(server.tls_port, pki.ca, idle_timeout=0.2)
        forwarder = Forwarder([upstream], timeout=2)
        assert (await ask(forwarder)).rcode() == dns.rcode.NOERROR
        await asyncio.sleep(0.5)
        assert (await ask(forwarder)).rcode() == dns.rcode.NOERROR
    assert upstream.connection.handshakes == 2


# --- Strict: each way the path can go wrong is an upstream failure -----------

async def servfail_through(upstream: Upstream) -> float:
    """Ask through a forwarder with only `upstream`; it must say SERVFAIL. How long it took."""
    forwarder = Forwarder([upstream], timeout=1.5, attempt_timeout=0.5)
    start = time.monotonic()
    reply = await ask(forwarder)
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert not reply.answer
    return time.monotonic() - start


async def test_wrong_hostname_is_servfail(pki):
    async with tls_server(pki.cert, pki.key) as server:
        upstream = tls_upstream(server.tls_port, pki.ca, name="other.example.test")
        await servfail_through(upstream)
    assert upstream.connection.handshakes == 0


async def test_untrusted_certificate_is_servfail(pki):
    async with tls_server(pki.rogue_cert, pki.rogue_key) as server:
        upstream = tls_upstream(server.tls_port, pki.ca)
        await servfail_through(upstream)
    assert upstream.connection.handshakes == 0


async def test_expired_certificate_is_servfail(pki):
    async with tls_server(pki.expired_cert, pki.expired_key) as server:
        upstream = tls_upstream(server.tls_port, pki.ca)
        await servfail_through(upstream)
    assert upstream.connection.handshakes == 0


async def test_the_handshake_error_says_why(pki):
    async with tls_server(pki.expired_cert, pki.expired_key) as server:
        upstream = tls_upstream(server.tls_port, pki.ca)
        with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
            await upstream.exchange_detailed(dns.message.make_query("example.test.", "A"),
                                             timeout=2)


async def test_a_plaintext_dns_server_on_the_tls_port_is_servfail(pki):
    # Part 2's TCP port speaks DNS, but not TLS: the handshake never
    # completes, and the answer it could give in plaintext is never asked for.
    async with tls_server(pki.cert, pki.key) as server:
        upstream = tls_upstream(server.port, pki.ca)
        elapsed = await servfail_through(upstream)
    assert elapsed < 2
    assert upstream.connection.handshakes == 0


async def test_garbage_on_the_tls_port_is_servfail(pki):
    async def speak_plaintext(reader, writer):
        writer.write(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(speak_plaintext, HOST, 0)
    async with server:
        upstream = tls_upstream(server.sockets[0].getsockname()[1], pki.ca)
        await servfail_through(upstream)
    assert upstream.connection.handshakes == 0


@contextlib.asynccontextmanager
async def misbehaving_tls_server(pki, behave):
    """A TLS server with the good certificate that runs `behave(reader, writer)`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert, pki.key)
    server = await asyncio.start_server(behave, HOST, 0, ssl=context)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def test_a_server_that_closes_mid_stream_is_servfail(pki):
    async def close_after_half_a_reply(reader, writer):
        prefix = await reader.readexactly(2)
        query = await reader.readexactly(int.from_bytes(prefix, "big"))
        writer.write(b"\x00\x40" + query[:2])  # promise 64 bytes, send 2, hang up
        await writer.drain()
        writer.close()

    async with misbehaving_tls_server(pki, close_after_half_a_reply) as port:
        upstream = tls_upstream(port, pki.ca)
        elapsed = await servfail_through(upstream)
    assert elapsed < 1  # the close is noticed at once, no waiting for a timeout
    assert upstream.connection.handshakes == 2  # asked again once, on a new connection


async def test_a_server_that_stalls_after_the_handshake_is_servfail_in_time(pki):
    stalled = []

    async def stall(reader, writer):
        stalled.append(writer)
        await reader.read()  # read and never answer

    async with misbehaving_tls_server(pki, stall) as port:
        upstream = tls_upstream(port, pki.ca)
        elapsed = await servfail_through(upstream)
    assert 1.4 < elapsed < 2.5  # the forwarder's whole budget (1.5 s), not more
    assert upstream.connection.handshakes == 1


async def test_a_failing_tls_upstream_fails_over_to_the_next(pki):
    async with tls_server(pki.rogue_cert, pki.rogue_key) as rogue, \
            tls_server(pki.cert, pki.key) as good:
        forwarder = Forwarder(
            [tls_upstream(rogue.tls_port, pki.ca), Upstream(HOST, good.port)], timeout=2)
        reply = await ask(forwarder)
    assert reply.rcode() == dns.rcode.NOERROR
    assert addresses(reply) == ["192.0.2.10"]


def test_upstream_spellings():
    assert parse_any_upstream("tls://192.0.2.1#dns.example") == TlsUpstream(
        "192.0.2.1", 853, "dns.example")
    assert parse_any_upstream("tls://192.0.2.1:8853") == TlsUpstream("192.0.2.1", 8853, "")
    assert parse_any_upstream("tls://[2001:db8::1]:8853#x.test.") == TlsUpstream(
        "2001:db8::1", 8853, "x.test")
    assert parse_any_upstream("tls://2001:db8::1") == TlsUpstream("2001:db8::1", 853, "")
    assert parse_any_upstream("192.0.2.1") == Upstream("192.0.2.1", 53)
    assert str(parse_any_upstream("tls://192.0.2.1")) == "tls://192.0.2.1:853#192.0.2.1"
    doh = parse_any_upstream("https://dns.example/dns-query#192.0.2.1")
    assert (doh.host, doh.port, doh.url) == ("192.0.2.1", 443, "https://dns.example/dns-query")
    for bad in ("tls://dns.example", "https://dns.example/dns-query", "https://192.0.2.1",
                "quic://192.0.2.1"):
        with pytest.raises(ValueError):
            parse_any_upstream(bad)


async def test_misses_to_a_tls_upstream_take_part_4s_miss_path(pki):
    """Part 4's miss path on bytes asks a TLS upstream through its own connection
    (one handshake for all), and answers as the slow path does."""
    async with tls_server(pki.cert, pki.key) as server:
        settings = EncryptedSettings(upstreams=[f"tls://{HOST}:{server.tls_port}#{NAME}"],
                                     ca_file=str(pki.ca))
        fast, slow = build_encrypted_resolver(settings), build_encrypted_resolver(settings)
        assert fast.server().miss_path is not None
        query = dns.message.make_query("www.example.test.", "A")
        raw = await fast.cached.miss_path(query.to_wire(), SRC)
        for name in ("ftp", "mail", "www"):  # more misses, on the same connection
            await fast.cached.miss_path(dns.message.make_query(f"{name}.example.test.", "AAAA")
                                        .to_wire(), SRC)
        parsed_way = await slow.processor(query, src=SRC, dst=DST)
    assert raw is not None
    reply = dns.message.from_wire(raw)
    assert reply.id == query.id and reply.rcode() == dns.rcode.NOERROR
    assert addresses(reply) == addresses(parsed_way) == ["192.0.2.10"]
    assert len(fast.cache) == 4  # each stored, from bytes
    assert fast.resolver.forwarder.upstreams[0].connection.handshakes == 1
