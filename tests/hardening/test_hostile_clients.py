"""A client that means harm: it pipelines and never reads, floods one slow name,
asks for huge UDP replies, sends malformed EDNS options, or sends SIGHUP's
equivalent, `systemctl reload`. Each test here failed before its fix."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rrset
import pytest
from dnstest.peers import free_port
from dnstest.threads import serving_in_thread

from part2_server import DnsServer, ZoneProcessor, load_zones
from part2_server.cli import add_server_arguments

from .helpers import LOCAL_ADDRESS, LOCAL_NAME, ZONE, Records, addresses, ask, caching_server

REPO = ZONE.parents[1]
IDLE = 0.5


def zone_server(**options) -> DnsServer:
    return DnsServer(ZoneProcessor(load_zones([ZONE])), tcp_idle_timeout=IDLE, **options)


def tcp_query(sock: socket.socket, name: str, query_id: int = 1) -> dns.message.Message:
    wire = dns.message.make_query(name, "A", id=query_id).to_wire()
    sock.sendall(struct.pack("!H", len(wire)) + wire)
    length = struct.unpack("!H", sock.recv(2, socket.MSG_WAITALL))[0]
    return dns.message.from_wire(sock.recv(length, socket.MSG_WAITALL))


# -- 1. a TCP client that pipelines and never reads -----------------------------


def big_answer(strings: int):
    """A processor whose answer to anything is `strings` TXT records of 263 bytes
    each on the wire (a 250-byte string, after a compressed owner name)."""
    texts = [f'"{number:05}' + "x" * 245 + '"' for number in range(strings)]
    records = dns.rrset.from_text("big.example.", 300, "IN", "TXT", *texts)  # made once: fast

    async def answer(query, *, src, dst):
        reply = dns.message.make_response(query)
        reply.answer = [records]
        return reply

    return answer


def flood_without_reading(server, count: int) -> socket.socket:
    """Pipeline `count` queries on one connection, and never read a reply."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # small, and never read
    sock.connect((server.host, server.port))
    wire = dns.message.make_query("big.example.", "TXT").to_wire()
    sock.settimeout(0.1)
    try:
        sock.sendall((struct.pack("!H", len(wire)) + wire) * count)
    except TimeoutError:
        pass  # the server stopped reading us: what the fix does, once its buffers are full
    return sock


def reset_by_server(sock: socket.socket, after: float) -> bool:
    """Read nothing for `after` seconds; then read until the server's reset (True)
    or its clean close (False)."""
    time.sleep(after)
    sock.settimeout(after)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    return False


def test_a_client_that_never_reads_costs_bounded_memory_and_is_aborted():
    """Before the fix the server read every query and kept every reply (21 MB
    here: 400 replies of 52 KB) for a client that reads none, and closed it gracefully at the idle
    timeout, leaving those megabytes queued for as long as the client liked."""
    reply_size = 200 * 263 + 40  # with the header, the question and an OPT
    with serving_in_thread(DnsServer(big_answer(200), tcp_idle_timeout=IDLE)) as server:
        sock = flood_without_reading(server, 400)
        try:
            time.sleep(IDLE / 4)
            assert server.unsent_bytes() <= (DnsServer.MAX_UNSENT
                                             + DnsServer.MAX_PIPELINED * reply_size)
            assert reset_by_server(sock, after=IDLE * 4)
            assert server.open_connections() == 0
            assert server.unsent_bytes() == 0
        finally:
            sock.close()


def wait_until_stalled(server, within: float = 3.0) -> None:
    """Until replies wait for the client and the server has stopped answering
    it: unsent bytes there, and the same for 0.1 s (busy, not idle).

    Not merely until some are unsent: the server may still be rendering the
    rest of a burst of replies then, and answering nobody else meanwhile."""
    deadline = time.monotonic() + within
    seen, steady_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        unsent = server.unsent_bytes()
        if unsent != seen:
            seen, steady_since = unsent, time.monotonic()
        elif unsent and time.monotonic() - steady_since >= 0.1:
            return
        time.sleep(0.01)


def test_every_open_socket_counts_against_the_cap():
    """A connection whose replies wait unsent keeps its slot until its socket is gone."""
    idle = IDLE * 2
    server = DnsServer(big_answer(200), tcp_idle_timeout=idle, max_tcp_connections=1)
    with serving_in_thread(server):
        sock = flood_without_reading(server, 400)
        try:
            wait_until_stalled(server)
            assert server.open_connections() == 1 and server.unsent_bytes()
            started = time.monotonic()
            with socket.create_connection((server.host, server.port)) as second:
                second.settimeout(2)
                assert second.recv(1) == b""  # the one slot is taken, and busy: no room
            assert time.monotonic() - started < idle / 2  # closed at once, not when idle
            assert reset_by_server(sock, after=idle * 3)
            assert server.open_connections() == 0
        finally:
            sock.close()


# -- 2. SIGHUP always handled ----------------------------------------------------


@pytest.mark.parametrize("module", ["part3_forwarder", "part4_cache"])
def test_sighup_without_zone_or_hosts_file_does_not_stop_the_resolver(fake_upstream_thread,
                                                                     module):
    fake_upstream_thread.answer("up.example.", "A", "up.example. 300 IN A 127.0.0.7")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DNS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port),
         "--upstream", f"127.0.0.1:{fake_upstream_thread.port}"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        query = dns.message.make_query("up.example.", "A")
        deadline = time.monotonic() + 10
        while True:
            try:
                dns.query.udp(query, "127.0.0.1", port=port, timeout=0.2)
                break
            except dns.exception.Timeout:
                assert time.monotonic() < deadline and process.poll() is None
        process.send_signal(signal.SIGHUP)  # what `systemctl reload` sends
        time.sleep(0.3)
        assert process.poll() is None, "SIGHUP stopped the resolver"
        reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
        assert addresses(reply) == ["127.0.0.7"]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert "nothing to reload" in stderr


# -- 4. copies of one slow name must not take every slot ---------------------------


def test_copies_of_one_slow_name_leave_room_for_local_and_cached_answers(
        fake_upstream_thread):
    fake = fake_upstream_thread
    fake.answer("slow.example.", "A", "slow.example. 300 IN A 127.0.0.14", delay=0.8)
    server = caching_server(fake.port, max_in_flight=64)
    with serving_in_thread(server), Records("part2_server.server") as warnings:
        flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        wire = bytearray(dns.message.make_query("slow.example.", "A").to_wire())
        for number in range(500):  # one name, many copies, as fast as we can
            wire[0:2] = number.to_bytes(2, "big")
            flood.sendto(wire, (server.host, server.port))
        time.sleep(0.2)
        assert addresses(ask(server, LOCAL_NAME, timeout=0.5)) == [LOCAL_ADDRESS]
        flood.close()
    assert len(fake.queries_for("slow.example.")) == 1
    assert len(warnings.records) <= 2, "one warning per interval, not one per packet"


def test_the_server_warns_of_a_full_house_once_per_interval_not_per_packet():
    async def slow(query, *, src, dst):
        await asyncio.sleep(1)
        return dns.message.make_response(query)

    with serving_in_thread(DnsServer(slow, max_in_flight=10)) as server, \
            Records("part2_server.server") as warnings:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        wire = dns.message.make_query("a.example.", "A").to_wire()
        for _ in range(300):
            sock.sendto(wire, (server.host, server.port))
        time.sleep(0.3)
        sock.close()
    assert 1 <= len(warnings.records) <= 2
    assert "dropped" in warnings.records[0].getMessage()


# -- 5. UDP replies capped by the server, not only by the client ---------------------


# 12 records: a 3 KB reply. 249: 65,527 bytes, more than one UDP datagram holds.
@pytest.mark.parametrize("strings", [12, 249])
def test_a_udp_reply_is_at_most_1232_bytes_whatever_the_client_asks(strings):
    with serving_in_thread(DnsServer(big_answer(strings))) as server:
        query = dns.message.make_query("big.example.", "TXT", use_edns=0, payload=65535)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(2)
        sock.sendto(query.to_wire(), (server.host, server.port))
        wire, _ = sock.recvfrom(65535)  # before the fix: 3 KB, or nothing at all
        sock.close()
    reply = dns.message.from_wire(wire)
    assert len(wire) <= 1232
    assert reply.flags & dns.flags.TC


def test_the_udp_cap_is_a_server_option():
    with serving_in_thread(DnsServer(big_answer(12), max_udp_reply=4096)) as server:
        query = dns.message.make_query("big.example.", "TXT", use_edns=0, payload=65535)
        reply = dns.query.udp(query, server.host, port=server.port, timeout=2)
    assert not reply.flags & dns.flags.TC
    assert 1232 < len(reply.to_wire()) <= 4096


def test_a_cache_hit_is_capped_too(fake_upstream_thread):
    fake = fake_upstream_thread
    fake.answer("big.example.", "TXT", *[f'big.example. 300 IN TXT "{i:03}{"y" * 200}"'
                                         for i in range(10)], truncate=True)
    with serving_in_thread(caching_server(fake.port)) as server:
        for _ in range(2):  # from upstream, then from the bytes-level fast path
            reply = ask(server, "big.example.", "TXT", use_edns=0, payload=65535)
            assert len(reply.to_wire()) <= 1232
            assert reply.flags & dns.flags.TC


def test_the_max_udp_reply_flag_and_its_environment_variable(monkeypatch):
    def parsed(*flags):
        parser = argparse.ArgumentParser()
        add_server_arguments(parser)
        return parser.parse_args(flags).max_udp_reply

    monkeypatch.setenv("DNS_MAX_UDP_REPLY", "4096")
    assert parsed() == 4096
    assert parsed("--max-udp-reply", "1400") == 1400  # the flag wins
    with pytest.raises(SystemExit):
        parsed("--max-udp-reply", "100")  # below 512: a usage message
    monkeypatch.delenv("DNS_MAX_UDP_REPLY")
    assert parsed() == 1232


# -- 6. malformed EDNS options: the same answer cached or not ---------------------------


def with_option(name: str, code: int, data: bytes) -> bytes:
    """A query for `name` with one raw EDNS option (dnspython would refuse to build it)."""
    query = dns.message.make_query(name, "A", use_edns=0, payload=1232)
    wire = bytearray(query.to_wire())
    option = struct.pack("!HH", code, len(data)) + data
    wire[-2:] = struct.pack("!H", len(option))  # the OPT's RDLENGTH, last before its RDATA
    return bytes(wire) + option


MALFORMED = {
    "cookie of 5 bytes": (10, b"\x01\x02\x03\x04\x05"),  # RFC 7873 s5.2.2: 8 or 16-40
    "cookie of 41 bytes": (10, bytes(41)),
    "client subnet, family 99": (8, b"\x00\x63\x18\x00\x01\x02\x03"),
    "client subnet, prefix 33 of IPv4": (8, b"\x00\x01\x21\x00\x01\x02\x03\x04\x05"),
}


@pytest.mark.parametrize("option", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_edns_option_gets_formerr_cached_or_not(fake_upstream_thread, option):
    fake = fake_upstream_thread
    fake.answer("edns.example.", "A", "edns.example. 300 IN A 127.0.0.9")
    code, data = MALFORMED[option]
    wire = with_option("edns.example.", code, data)
    with serving_in_thread(caching_server(fake.port)) as server:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(2)
        rcodes = []
        for _ in range(2):  # not cached, then cached
            sock.sendto(wire, (server.host, server.port))
            rcodes.append(dns.message.from_wire(sock.recvfrom(65535)[0]).rcode())
            assert addresses(ask(server, "edns.example.")) == ["127.0.0.9"]  # now cached
        sock.close()
    assert rcodes == [dns.rcode.FORMERR, dns.rcode.FORMERR]


def test_a_well_formed_cookie_is_still_answered_from_the_cache(fake_upstream_thread):
    fake = fake_upstream_thread
    fake.answer("edns.example.", "A", "edns.example. 300 IN A 127.0.0.9")
    with serving_in_thread(caching_server(fake.port)) as server:
        cookie = dns.edns.GenericOption(10, bytes(range(8)))
        for _ in range(3):
            reply = ask(server, "edns.example.", use_edns=0, options=[cookie])
            assert addresses(reply) == ["127.0.0.9"]
    assert len(fake.queries_for("edns.example.")) == 1
