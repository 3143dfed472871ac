"""The DoT listener: kdig, dnspython and part 1 ask over TLS; cache hits included."""

from __future__ import annotations

import argparse
import asyncio
import ssl
import subprocess

import dns.asyncquery
import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.threads import serving_in_thread
from dnstest.tools import require_tool
from dnstest.writes import CountingWrites, answer_at_once

from part1_client.cli import main as part1
from part2_server.options import settings_from
from part6_encrypted import EncryptedServer, client_context, server_context
from part6_encrypted.cli import add_encrypted_arguments
from part6_encrypted.cli import main as part6
from part6_encrypted.resolver import EncryptedSettings, build_encrypted_resolver

from .conftest import HOST, NAME, zone_processor


@pytest.fixture
def dot(pki):
    """Part 6's server for example.test. in a thread, with its TLS port open."""
    server = EncryptedServer(zone_processor(), tls=server_context(pki.cert, pki.key),
                             tls_port=0, tcp_idle_timeout=0.5, max_tcp_connections=2)
    with serving_in_thread(server):
        yield server


def test_dnspython_asks_over_tls(dot, pki):
    query = dns.message.make_query("www.example.test.", "A")
    reply = dns.query.tls(query, HOST, port=dot.tls_port, timeout=3,
                          ssl_context=client_context(pki.ca), server_hostname=NAME)
    assert reply.rcode() == dns.rcode.NOERROR
    assert "192.0.2.10" in reply.to_text()


def test_part1_asks_over_tls(dot, pki, capsys):
    assert part1(["www.example.test.", f"@{HOST}", "-p", str(dot.tls_port), "+tls",
                  f"+tls-ca={pki.ca}", f"+tls-hostname={NAME}", "+short"]) == 0
    assert capsys.readouterr().out == "example.test.\n192.0.2.10\n"
    assert part1(["example.test.", f"@{HOST}", "-p", str(dot.tls_port),
                  f"+tls-ca={pki.ca}"]) == 0  # +tls-ca implies +tls; the address is on the cert
    assert f";; SERVER: {HOST}#{dot.tls_port}({HOST}) (TLS)" in capsys.readouterr().out


def test_part1_refuses_a_server_it_cannot_verify(dot, pki, capsys):
    # Without the private CA the certificate chains to nothing we trust:
    # no answer, exit status 9, and the reason on stderr.
    assert part1(["example.test.", f"@{HOST}", "-p", str(dot.tls_port), "+tls"]) == 9
    assert "certificate verify failed" in capsys.readouterr().err
    assert part1(["example.test.", f"@{HOST}", "-p", str(dot.tls_port), f"+tls-ca={pki.ca}",
                  "+tls-hostname=elsewhere.test"]) == 9
    assert "certificate verify failed" in capsys.readouterr().err


def test_kdig_asks_over_tls(dot, pki):
    kdig = require_tool("kdig")
    output = subprocess.run(
        [kdig, f"@{HOST}", "-p", str(dot.tls_port), "+tls", f"+tls-ca={pki.ca}",
         f"+tls-hostname={NAME}", "+short", "+time=3", "mail.example.test", "A"],
        capture_output=True, text=True, timeout=15)
    assert output.returncode == 0, output.stderr
    assert output.stdout == "192.0.2.25\n"


def test_kdig_refuses_the_wrong_name(dot, pki):
    kdig = require_tool("kdig")
    output = subprocess.run(
        [kdig, f"@{HOST}", "-p", str(dot.tls_port), f"+tls-ca={pki.ca}",
         "+tls-hostname=elsewhere.test", "+short", "+time=2", "+retry=0", "mail.example.test"],
        capture_output=True, text=True, timeout=15)
    assert output.stdout == ""
    assert "failed" in output.stderr.lower()


def test_tls_is_1_2_or_later(pki):
    assert server_context(pki.cert, pki.key).minimum_version == ssl.TLSVersion.TLSv1_2
    assert client_context(pki.ca).minimum_version == ssl.TLSVersion.TLSv1_2


async def test_idle_connections_are_closed_and_the_cap_holds(dot, pki):
    context = client_context(pki.ca)
    opened = [await asyncio.open_connection(HOST, dot.tls_port, ssl=context,
                                            server_hostname=NAME) for _ in range(3)]
    try:
        # The cap is 2: the third connection is closed at once, without an answer.
        assert await asyncio.wait_for(opened[2][0].read(), 2) == b""
        # The first two are closed after 0.5 s of silence (part 2's idle timeout).
        assert await asyncio.wait_for(opened[0][0].read(), 2) == b""
    finally:
        for _, writer in opened:
            writer.close()


def parse(*argv: str) -> EncryptedSettings:
    parser = argparse.ArgumentParser(conflict_handler="resolve")
    add_encrypted_arguments(parser)
    return settings_from(parser.parse_args(argv), EncryptedSettings)


async def test_cache_hits_over_tls(fake_upstream, pki):
    fake_upstream.answer("cached.example.", "A", "cached.example. 300 IN A 192.0.2.7")
    resolver = build_encrypted_resolver(parse(
        "--upstream", f"{fake_upstream.host}:{fake_upstream.port}", "--tls-port", "0",
        "--tls-cert", str(pki.cert), "--tls-key", str(pki.key)))
    server = resolver.server()
    await server.start(HOST, 0)
    try:
        query = dns.message.make_query("cached.example.", "A")
        for _ in range(3):
            reply = await dns.asyncquery.tls(query, HOST, port=server.tls_port, timeout=3,
                                             ssl_context=client_context(pki.ca),
                                             server_hostname=NAME)
            assert "192.0.2.7" in reply.to_text()
    finally:
        await server.stop()
    assert len(fake_upstream.queries) == 1
    assert resolver.cache.stats.hits == 2


@pytest.mark.parametrize("problem", ["missing", "mismatch", "not a certificate"])
def test_a_bad_certificate_or_key_is_one_line_at_start(pki, tmp_path, capsys, problem):
    cert, key = pki.cert, pki.key
    if problem == "missing":
        cert = tmp_path / "nowhere.pem"
    elif problem == "mismatch":
        key = pki.rogue_key
    else:
        cert = tmp_path / "junk.pem"
        cert.write_text("hello\n")
    with pytest.raises(SystemExit) as stopped:
        part6(["--upstream", "127.0.0.1:5300", "--port", "0", "--tls-port", "0",
               "--tls-cert", str(cert), "--tls-key", str(key)])
    message = str(stopped.value.code)
    assert message.startswith("error: ") and "\n" not in message
    assert {"missing": "no such file", "mismatch": "does not match",
            "not a certificate": "not a usable PEM"}[problem] in message
    assert "Traceback" not in capsys.readouterr().err


def test_tls_port_without_a_certificate_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        part6(["--upstream", "127.0.0.1:5300", "--tls-port", "853"])
    assert stopped.value.code == 2
    assert "--tls-port needs --tls-cert FILE and --tls-key FILE" in capsys.readouterr().err




async def test_fifty_pipelined_queries_over_one_tls_connection(dot, pki):
    reader, writer = await asyncio.open_connection(HOST, dot.tls_port, ssl=client_context(pki.ca),
                                                   server_hostname=NAME)
    try:
        names = {query_id: f"q{query_id}.example.test." for query_id in range(50)}
        for query_id, name in names.items():  # all written before any answer is read
            wire = dns.message.make_query(name, "A", id=query_id).to_wire()
            writer.write(len(wire).to_bytes(2, "big") + wire)
        answered = {}
        for _ in names:
            length = int.from_bytes(await asyncio.wait_for(reader.readexactly(2), 3), "big")
            reply = dns.message.from_wire(await reader.readexactly(length))
            answered[reply.id] = str(reply.question[0].name)
    finally:
        writer.close()
    assert answered == names


class CountingEncryptedServer(CountingWrites, EncryptedServer):
    pass


async def test_cache_hits_pipelined_over_tls_share_records(pki):
    """dnsperf's load in bench/encrypted.py, in small: many queries in flight on
    one DoT connection, each answered from bytes. Their replies go out together,
    a few TLS records and send() calls rather than one each."""
    server = CountingEncryptedServer(zone_processor(), fast_path=answer_at_once,
                                     tls=server_context(pki.cert, pki.key), tls_port=0)
    queries = [dns.message.make_query(f"q{number}.example.test.", "A", id=number)
               for number in range(100)]
    with serving_in_thread(server):
        reader, writer = await asyncio.open_connection(
            HOST, server.tls_port, ssl=client_context(pki.ca), server_hostname=NAME)
        try:
            writer.write(b"".join(len(wire).to_bytes(2, "big") + wire
                                  for wire in (query.to_wire() for query in queries)))
            replies = []
            async with asyncio.timeout(3):
                for _ in queries:
                    length = int.from_bytes(await reader.readexactly(2), "big")
                    replies.append(dns.message.from_wire(await reader.readexactly(length)))
        finally:
            writer.close()
    assert {r.id: r.question for r in replies} == {q.id: q.question for q in queries}
    assert server.writes <= 3


def test_every_tls_flag_has_an_environment_default(monkeypatch, pki):
    monkeypatch.setenv("DNS_TLS_PORT", "8853")
    monkeypatch.setenv("DNS_TLS_CERT", str(pki.cert))
    monkeypatch.setenv("DNS_TLS_KEY", str(pki.key))
    monkeypatch.setenv("DNS_CA_FILE", str(pki.ca))
    monkeypatch.setenv("DNS_UPSTREAMS", f"tls://{HOST}#{NAME} https://{NAME}/dns-query#{HOST}")
    settings = parse()
    assert (settings.tls_port, settings.tls_cert, settings.tls_key, settings.ca_file) == (
        8853, str(pki.cert), str(pki.key), str(pki.ca))
    resolver = build_encrypted_resolver(settings)
    assert [str(u) for u in resolver.resolver.forwarder.upstreams] == [
        f"tls://{HOST}:853#{NAME}", f"https://{NAME}/dns-query#{HOST}"]
    assert resolver.tls is not None
