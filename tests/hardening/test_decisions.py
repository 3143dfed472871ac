"""Four behaviours where resolvers differ, each chosen (the Hardening page says
why) and pinned down here: RD=0, odd classes and meta-types, IPv6 clients under
--rate-limit, and idle TCP connections when the house is full."""

from __future__ import annotations

import asyncio
import socket
import struct
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.clock import FakeClock
from dnstest.threads import serving_in_thread

from part2_server import DnsServer, ZoneProcessor, load_zones
from part2_server.ratelimit import ClientRateLimit

from .helpers import (
    LOCAL_ADDRESS,
    LOCAL_NAME,
    ZONE,
    addresses,
    answer_every_name,
    ask,
    caching_server,
)
from .test_hostile_clients import tcp_query


@pytest.fixture
def resolver(fake_upstream_thread):
    answer_every_name(fake_upstream_thread, "127.0.0.50")
    with serving_in_thread(caching_server(fake_upstream_thread.port)) as server:
        yield server


def no_recursion(server, name):
    query = dns.message.make_query(name, "A")
    query.flags &= ~dns.flags.RD
    return dns.query.udp(query, server.host, port=server.port, timeout=2)


# -- RD=0: local data only, as unbound's "allow" does ----------------------------------


def test_rd0_is_answered_from_local_data(resolver):
    assert addresses(no_recursion(resolver, LOCAL_NAME)) == [LOCAL_ADDRESS]


def test_rd0_is_neither_forwarded_nor_answered_from_the_cache(fake_upstream_thread, resolver):
    fake = fake_upstream_thread
    assert no_recursion(resolver, "fresh.example.").rcode() == dns.rcode.REFUSED
    assert not fake.queries_for("fresh.example.")
    assert addresses(ask(resolver, "seen.example.")) == ["127.0.0.50"]  # now cached
    assert no_recursion(resolver, "seen.example.").rcode() == dns.rcode.REFUSED  # no snooping
    assert len(fake.queries_for("seen.example.")) == 1


# -- classes other than IN, and meta-types ------------------------------------------------


@pytest.mark.parametrize("rdclass", ["CH", "HS", "NONE", "ANY"])
def test_classes_other_than_in_are_refused_and_not_forwarded(fake_upstream_thread, resolver,
                                                             rdclass):
    query = dns.message.make_query("odd.example.", "A", rdclass=rdclass)
    reply = dns.query.udp(query, resolver.host, port=resolver.port, timeout=2)
    assert reply.rcode() == dns.rcode.REFUSED
    assert not fake_upstream_thread.queries


@pytest.mark.parametrize("rdtype", ["OPT", "TSIG", "TKEY", "MAILA", "MAILB", "TYPE128"])
def test_meta_types_get_formerr_and_are_not_forwarded(fake_upstream_thread, resolver, rdtype):
    query = dns.message.make_query("meta.example.", rdtype)
    reply = dns.query.udp(query, resolver.host, port=resolver.port, timeout=2)
    assert reply.rcode() == dns.rcode.FORMERR
    assert not fake_upstream_thread.queries


# -- --rate-limit: an IPv6 client is its /56 ----------------------------------------------


def test_ipv6_addresses_in_one_56_share_a_bucket():
    limit = ClientRateLimit(1, burst=2, clock=FakeClock())
    assert limit.allow("2001:db8:0:ab01::1")
    assert limit.allow("2001:db8:0:abff::99")  # same /56: same household
    assert not limit.allow("2001:db8:0:ab42:1:2:3:4")
    assert limit.allow("2001:db8:0:ac00::1")  # the next /56: somebody else
    assert limit.allow("192.0.2.1") and limit.allow("192.0.2.2")  # IPv4: each address


# -- idle TCP connections give way when the house is full ---------------------------------


def test_a_new_tcp_client_gets_in_when_every_slot_is_held_by_an_idle_connection():
    processor = ZoneProcessor(load_zones([ZONE]))
    server = DnsServer(processor, max_tcp_connections=4, tcp_idle_timeout=10)
    with serving_in_thread(server):
        idle = [socket.create_connection((server.host, server.port)) for _ in range(4)]
        try:
            time.sleep(0.1)
            with socket.create_connection((server.host, server.port), timeout=2) as late:
                late.settimeout(2)
                reply = tcp_query(late, LOCAL_NAME)  # before: closed, for 10 s
            assert addresses(reply) == [LOCAL_ADDRESS]
            idle[0].settimeout(2)
            assert idle[0].recv(1) == b"", "the longest idle connection made room"
        finally:
            for sock in idle:
                sock.close()


def test_a_connection_with_a_query_in_progress_is_not_closed_to_make_room():
    async def slow(query, *, src, dst):
        await asyncio.sleep(0.5)
        return dns.message.make_response(query)

    server = DnsServer(slow, max_tcp_connections=1, tcp_idle_timeout=10)
    with serving_in_thread(server):
        with socket.create_connection((server.host, server.port)) as busy:
            busy.settimeout(2)
            wire = dns.message.make_query("slow.example.", "A", id=7).to_wire()
            busy.sendall(struct.pack("!H", len(wire)) + wire)
            time.sleep(0.1)
            with socket.create_connection((server.host, server.port)) as late:
                late.settimeout(2)
                assert late.recv(1) == b""  # no room: the only connection is busy
            length = struct.unpack("!H", busy.recv(2, socket.MSG_WAITALL))[0]
            assert dns.message.from_wire(busy.recv(length, socket.MSG_WAITALL)).id == 7
