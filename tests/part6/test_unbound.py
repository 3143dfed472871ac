"""Against a real encrypted upstream: the lab's unbound, with DoT and DoH ports.

unbound (lab/encrypted.py, its CA made as it starts) forwards to part 2
serving example.test. (started here); the resolver of part 6 forwards to
unbound over TLS or HTTPS. Also: the man in the middle, whose certificate
our CA did not sign, gets SERVFAIL, never his address.
"""

from __future__ import annotations

import argparse

import dns.asyncquery
import dns.message
import dns.query
import dns.rcode
import dns.rrset
import pytest
from dnstest.threads import serving_in_thread
from dnstest.tools import require_tool

from lab.encrypted import encrypted_upstream
from part1_client import TransportError
from part1_client.cli import main as part1
from part2_server import DnsServer
from part2_server.options import settings_from
from part3_forwarder import Forwarder, Upstream
from part6_encrypted import (
    EncryptedSettings,
    HttpsUpstream,
    TlsUpstream,
    build_encrypted_resolver,
    client_context,
    parse_any_upstream,
)
from part6_encrypted.cli import add_encrypted_arguments

from .conftest import HOST, NAME, tls_server, zone_processor

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)
FORGED = "192.0.2.66"


@pytest.fixture(scope="module")
def authority():
    with serving_in_thread(DnsServer(zone_processor())) as server:
        yield server


@pytest.fixture(scope="module")
def unbound(authority):
    require_tool("unbound")
    with encrypted_upstream((authority.host, authority.port)) as server:
        yield server


async def ask(processor, name="www.example.test."):
    return await processor(dns.message.make_query(name, "A"), src=SRC, dst=DST)


def addresses(reply):
    return sorted(rdata.address for rrset in reply.answer for rdata in rrset
                  if hasattr(rdata, "address"))


async def test_forwarding_over_tls_to_unbound_reuses_one_connection(unbound):
    upstream = parse_any_upstream(unbound.tls_upstream).connected(client_context(unbound.ca_file))
    forwarder = Forwarder([upstream], timeout=3)
    for name in ["www.example.test.", "mail.example.test.", "example.test."] * 5:
        reply = await ask(forwarder, name)
        assert reply.rcode() == dns.rcode.NOERROR and addresses(reply), reply
    assert upstream.connection.handshakes == 1
    await upstream.connection.close()


async def test_reconnects_when_unbound_restarts(authority):
    require_tool("unbound")
    with encrypted_upstream((authority.host, authority.port)) as first:
        context = client_context(first.ca_file)
        upstream = parse_any_upstream(first.tls_upstream).connected(context)
        forwarder = Forwarder([upstream], timeout=3)
        assert addresses(await ask(forwarder)) == ["192.0.2.10"]
    # A new unbound on the same port. Each lab unbound makes its own CA: the
    # client trusts the second one too (as it would a renewed certificate).
    with encrypted_upstream((authority.host, authority.port), tls_port=first.tls_port) as second:
        context.load_verify_locations(cafile=str(second.ca_file))
        assert addresses(await ask(forwarder)) == ["192.0.2.10"]
    assert upstream.connection.handshakes == 2


def test_doh_is_really_available():
    # Without httpx2 and h2 dnspython would fall back to HTTP/3 and fail with
    # a misleading "HTTP/3 not available".
    assert dns.query.have_doh
    import h2  # noqa: F401
    import httpx2  # noqa: F401


async def test_dnspython_asks_unbound_over_https(unbound):
    query = dns.message.make_query("mail.example.test.", "A")
    reply = await dns.asyncquery.https(
        query, f"https://{unbound.name}:{unbound.https_port}/dns-query", timeout=3,
        verify=client_context(unbound.ca_file), bootstrap_address=unbound.address,
        http_version=dns.asyncquery.HTTPVersion.H2)
    assert addresses(reply) == ["192.0.2.25"]


def test_part1_asks_unbound_over_https(unbound, capsys):
    assert part1(["mail.example.test.", f"@{unbound.address}", "-p", str(unbound.https_port),
                  "+https", f"+tls-ca={unbound.ca_file}", f"+tls-hostname={unbound.name}",
                  "+short"]) == 0
    assert capsys.readouterr().out == "192.0.2.25\n"


async def test_forwarding_over_https_to_unbound(unbound):
    upstream = parse_any_upstream(unbound.https_upstream)
    assert isinstance(upstream, HttpsUpstream)
    upstream = upstream.connected(client_context(unbound.ca_file))
    forwarder = Forwarder([upstream], timeout=3)
    for _ in range(5):
        assert addresses(await ask(forwarder, "mail.example.test.")) == ["192.0.2.25"]
    # One HTTP/2 connection carried the five queries.
    assert len(upstream.session.client()._transport._pool.connections) == 1
    await upstream.session.close()
    # Without the private CA, the same upstream is a failure, not an answer.
    untrusting = Forwarder([upstream.connected(client_context())], timeout=3)
    assert (await ask(untrusting, "mail.example.test.")).rcode() == dns.rcode.SERVFAIL


async def test_the_whole_resolver_from_flags(unbound):
    parser = argparse.ArgumentParser(conflict_handler="resolve")
    add_encrypted_arguments(parser)
    args = parser.parse_args(["--upstream", unbound.tls_upstream,
                              "--ca-file", str(unbound.ca_file)])
    resolver = build_encrypted_resolver(settings_from(args, EncryptedSettings))
    assert addresses(await ask(resolver.processor)) == ["192.0.2.10"]
    assert addresses(await ask(resolver.processor)) == ["192.0.2.10"]
    assert resolver.cache.stats.hits == 1


async def forger(query, *, src, dst):
    """The man in the middle: every address is his."""
    reply = dns.message.make_response(query)
    reply.answer.append(dns.rrset.from_text(query.question[0].name, 300, "IN", "A", FORGED))
    return reply


async def test_a_man_in_the_middle_gets_servfail_not_his_address(pki):
    async with tls_server(pki.rogue_cert, pki.rogue_key, processor=forger) as mitm:
        # In plaintext he wins: nothing tells his answer from the real one.
        plain = Forwarder([Upstream(HOST, mitm.port)], timeout=2)
        assert addresses(await ask(plain)) == [FORGED]
        # Over TLS his certificate does not chain to our CA: SERVFAIL.
        upstream = TlsUpstream(HOST, mitm.tls_port, NAME).connected(client_context(pki.ca))
        reply = await ask(Forwarder([upstream], timeout=2, attempt_timeout=0.5))
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert FORGED not in reply.to_text()


async def test_without_the_http_library_doh_says_so(monkeypatch, unbound):
    # What dnspython would say instead: "HTTP/3 not available". Ours names the cause.
    monkeypatch.setattr(dns.query, "have_doh", False)
    upstream = parse_any_upstream(unbound.https_upstream).connected(
        client_context(unbound.ca_file))
    with pytest.raises(TransportError, match="doh extra"):
        await upstream.exchange_detailed(dns.message.make_query("example.test.", "A"),
                                         timeout=2)
