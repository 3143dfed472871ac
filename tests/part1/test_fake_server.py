"""The scripted fake server does what each script says (it is what the other tests trust)."""

import doctest
import socket
import struct

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from dnstest import fake_server
from dnstest.fake_server import POISON_A, SPOOFED_QNAME, FakeDnsServer


def query(name="www.example.", rdtype="A", **kwargs):
    return dns.message.make_query(name, rdtype, **kwargs)


class RawClient:
    """A bare UDP socket, to see every packet the fake sends, forged ones included."""

    def __init__(self, server):
        self.server = server
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2)

    def send(self, message):
        self.sock.sendto(message.to_wire(), self.server.address)

    def receive(self, timeout=2.0):
        self.sock.settimeout(timeout)
        wire, source = self.sock.recvfrom(65535)
        return wire, source

    def close(self):
        self.sock.close()


@pytest.fixture
def raw(fake_upstream_thread):
    client = RawClient(fake_upstream_thread)
    yield client
    client.close()


def test_docstring_examples():
    failures, tried = doctest.testmod(fake_server)
    assert tried >= 3
    assert failures == 0


async def test_canned_answer_over_udp_and_tcp_is_recorded(fake_upstream):
    fake_upstream.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.5")
    q = query()
    udp = await dns.asyncquery.udp(q, fake_upstream.host, port=fake_upstream.port, timeout=2)
    tcp = await dns.asyncquery.tcp(q, fake_upstream.host, port=fake_upstream.port, timeout=2)
    for reply in (udp, tcp):
        assert reply.rcode() == dns.rcode.NOERROR
        assert [rrset.to_text() for rrset in reply.answer] == ["www.example. 300 IN A 127.0.0.5"]
        assert reply.flags & dns.flags.RA
    assert [(str(r.name), dns.rdatatype.to_text(r.rdtype), r.transport)
            for r in fake_upstream.queries] == [("www.example.", "A", "udp"),
                                                ("www.example.", "A", "tcp")]
    assert fake_upstream.queries[0].wire == q.to_wire()


async def test_cname_chain_and_sections(fake_upstream):
    fake_upstream.answer(
        "www.example.", "A",
        "www.example. 300 IN CNAME web.example.",
        "web.example. 60 IN A 127.0.0.5",
        "web.example. 60 IN A 127.0.0.6",
        authority=["example. 300 IN NS ns.example."],
        additional=["ns.example. 300 IN A 127.0.0.53"],
        aa=True,
    )
    reply = await dns.asyncquery.udp(query(), fake_upstream.host, port=fake_upstream.port,
                                     timeout=2)
    assert [rrset.to_text() for rrset in reply.answer] == [
        "www.example. 300 IN CNAME web.example.",
        "web.example. 60 IN A 127.0.0.5\nweb.example. 60 IN A 127.0.0.6",
    ]
    assert reply.authority[0].to_text() == "example. 300 IN NS ns.example."
    assert reply.additional[0].to_text() == "ns.example. 300 IN A 127.0.0.53"
    assert reply.flags & dns.flags.AA


async def test_records_registers_each_owner_and_type(fake_upstream):
    fake_upstream.records("a.example. 60 IN A 127.0.0.1", "a.example. 60 IN AAAA ::1",
                          "b.example. 60 IN TXT \"hello\"")
    for name, rdtype, text in [("a.example.", "A", "127.0.0.1"), ("a.example.", "AAAA", "::1"),
                               ("b.example.", "TXT", '"hello"')]:
        reply = await dns.asyncquery.udp(query(name, rdtype), fake_upstream.host,
                                         port=fake_upstream.port, timeout=2)
        assert [rd.to_text() for rd in reply.answer[0]] == [text]


async def test_nxdomain_nodata_and_rcodes(fake_upstream):
    fake_upstream.nxdomain("nope.example.")
    fake_upstream.nodata("www.example.", "AAAA")
    fake_upstream.rcode("broken.example.", None, "SERVFAIL")
    host, port = fake_upstream.address

    nx = await dns.asyncquery.udp(query("nope.example.", "MX"), host, port=port, timeout=2)
    assert nx.rcode() == dns.rcode.NXDOMAIN
    assert nx.answer == []
    assert nx.authority[0].rdtype == dns.rdatatype.SOA
    assert str(nx.authority[0].name) == "example."

    nodata = await dns.asyncquery.udp(query("www.example.", "AAAA"), host, port=port, timeout=2)
    assert nodata.rcode() == dns.rcode.NOERROR
    assert nodata.answer == []
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA

    fail = await dns.asyncquery.udp(query("broken.example."), host, port=port, timeout=2)
    assert fail.rcode() == dns.rcode.SERVFAIL

    unscripted = await dns.asyncquery.udp(query("other.example."), host, port=port, timeout=2)
    assert unscripted.rcode() == dns.rcode.REFUSED


async def test_most_specific_then_latest_rule_wins(fake_upstream):
    fake_upstream.rcode(None, None, "SERVFAIL")
    fake_upstream.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.1")
    fake_upstream.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.2")
    host, port = fake_upstream.address
    reply = await dns.asyncquery.udp(query(), host, port=port, timeout=2)
    assert reply.answer[0][0].to_text() == "127.0.0.2"
    other = await dns.asyncquery.udp(query("x.example."), host, port=port, timeout=2)
    assert other.rcode() == dns.rcode.SERVFAIL


async def test_handler_builds_any_reply(fake_upstream):
    def handler(q):
        reply = dns.message.make_response(q)
        reply.set_rcode(dns.rcode.NOTIMP)
        return reply

    fake_upstream.script("www.example.", "A", handler=handler)
    reply = await dns.asyncquery.udp(query(), fake_upstream.host, port=fake_upstream.port,
                                     timeout=2)
    assert reply.rcode() == dns.rcode.NOTIMP


async def test_records_query_bits_and_edns(fake_upstream):
    fake_upstream.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.5")
    q = query(want_dnssec=True, payload=1232)
    q.flags |= dns.flags.CD
    await dns.asyncquery.udp(q, fake_upstream.host, port=fake_upstream.port, timeout=2)
    plain = query(use_edns=False)
    await dns.asyncquery.udp(plain, fake_upstream.host, port=fake_upstream.port, timeout=2)
    first, second = fake_upstream.queries_for("www.example.", "A")
    assert first.do and first.cd
    assert first.message.edns == 0 and first.message.payload == 1232
    assert not second.do and not second.cd
    assert second.message.edns == -1


def test_delay_holds_back_only_that_answer(fake_upstream_thread, raw):
    fake_upstream_thread.answer("slow.example.", "A", "slow.example. 1 IN A 127.0.0.1",
                                delay=0.3)
    fake_upstream_thread.answer("fast.example.", "A", "fast.example. 1 IN A 127.0.0.2")
    raw.send(query("slow.example."))
    raw.send(query("fast.example."))
    first = dns.message.from_wire(raw.receive()[0])
    second = dns.message.from_wire(raw.receive()[0])
    assert [str(first.question[0].name), str(second.question[0].name)] == [
        "fast.example.", "slow.example."]


async def test_delay_makes_a_client_time_out(fake_upstream):
    fake_upstream.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1", delay=5)
    with pytest.raises(dns.exception.Timeout):
        await dns.asyncquery.udp(query(), fake_upstream.host, port=fake_upstream.port,
                                 timeout=0.1)
    assert len(fake_upstream.queries) == 1


def test_drop_first_n(fake_upstream_thread, raw):
    fake_upstream_thread.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1", drop=2)
    for _ in range(2):
        raw.send(query())
        with pytest.raises(TimeoutError):
            raw.receive(timeout=0.1)
    raw.send(query())
    assert dns.message.from_wire(raw.receive()[0]).answer
    assert len(fake_upstream_thread.queries) == 3


async def test_drop_all_over_udp_and_tcp(fake_upstream):
    fake_upstream.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1", drop=True)
    for send in (dns.asyncquery.udp, dns.asyncquery.tcp):
        for _ in range(2):
            with pytest.raises(dns.exception.Timeout):
                await send(query(), fake_upstream.host, port=fake_upstream.port, timeout=0.1)
    assert [r.transport for r in fake_upstream.queries] == ["udp", "udp", "tcp", "tcp"]


async def test_truncate_udp_full_answer_over_tcp(fake_upstream):
    fake_upstream.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1", truncate=True)
    host, port = fake_upstream.address
    udp = await dns.asyncquery.udp(query(), host, port=port, timeout=2)
    assert udp.flags & dns.flags.TC
    assert udp.answer == []
    tcp = await dns.asyncquery.tcp(query(), host, port=port, timeout=2)
    assert not tcp.flags & dns.flags.TC
    assert tcp.answer[0][0].to_text() == "127.0.0.1"


async def test_tcp_refused_but_udp_served():
    async with FakeDnsServer(tcp="refuse") as fake:
        fake.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1")
        with pytest.raises(ConnectionRefusedError):
            await dns.asyncquery.tcp(query(), fake.host, port=fake.port, timeout=2)
        udp = await dns.asyncquery.udp(query(), fake.host, port=fake.port, timeout=2)
        assert udp.answer


async def test_tcp_close_hangs_up(fake_upstream):
    fake_upstream.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1", tcp_close=True)
    with pytest.raises(EOFError):
        await dns.asyncquery.tcp(query(), fake_upstream.host, port=fake_upstream.port,
                                 timeout=2)
    assert fake_upstream.queries[0].transport == "tcp"


def test_tcp_serves_several_queries_per_connection(fake_upstream_thread):
    fake_upstream_thread.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1")
    with socket.create_connection(fake_upstream_thread.address, timeout=2) as sock:
        for _ in range(3):
            dns.query.send_tcp(sock, query())
            reply, _ = dns.query.receive_tcp(sock)
            assert reply.answer
    assert [r.transport for r in fake_upstream_thread.queries] == ["tcp"] * 3


@pytest.mark.parametrize("kind", ["id", "question", "source", "garbage"])
def test_spoof_arrives_before_the_real_reply(fake_upstream_thread, raw, kind):
    fake_upstream_thread.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1",
                                spoof=kind)
    q = query()
    raw.send(q)
    forged_wire, forged_source = raw.receive()
    real_wire, real_source = raw.receive()

    real = dns.message.from_wire(real_wire)
    assert q.is_response(real)
    assert real_source == fake_upstream_thread.address
    assert real.answer[0][0].to_text() == "127.0.0.1"
    if kind == "garbage":
        assert forged_wire[:2] == struct.pack("!H", q.id)
        with pytest.raises(dns.exception.DNSException):
            dns.message.from_wire(forged_wire)
        return
    forged = dns.message.from_wire(forged_wire)
    if kind == "id":
        assert forged.id != q.id
        assert forged.answer[0][0].to_text() == POISON_A
    elif kind == "question":
        assert forged.id == q.id
        assert forged.question[0].name == SPOOFED_QNAME
    else:
        assert forged_wire == real_wire
        assert forged_source != fake_upstream_thread.address


async def test_dnspython_client_ignores_every_spoof(fake_upstream):
    fake_upstream.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1",
                         spoof=("garbage", "id", "question", "source"))
    reply = await dns.asyncquery.udp(query(), fake_upstream.host, port=fake_upstream.port,
                                     timeout=2, ignore_unexpected=True, ignore_errors=True)
    assert reply.answer[0][0].to_text() == "127.0.0.1"


def test_drop_still_sends_the_spoof(fake_upstream_thread, raw):
    fake_upstream_thread.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1",
                                spoof="garbage", drop=True)
    raw.send(query())
    with pytest.raises(dns.exception.DNSException):
        dns.message.from_wire(raw.receive()[0])
    with pytest.raises(TimeoutError):
        raw.receive(timeout=0.1)


def test_junk_is_recorded_and_not_answered(fake_upstream_thread, raw):
    raw.sock.sendto(b"\x12\x34junk", fake_upstream_thread.address)
    reply_to_itself = dns.message.make_response(query())
    raw.send(reply_to_itself)
    raw.send(query("after.example."))
    answer = dns.message.from_wire(raw.receive()[0])
    assert str(answer.question[0].name) == "after.example."
    assert answer.rcode() == dns.rcode.REFUSED
    junk, reply, _ = fake_upstream_thread.queries
    assert junk.message is None and junk.wire == b"\x12\x34junk"
    assert reply.message.flags & dns.flags.QR


def test_unknown_spoof_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown spoof"):
        FakeDnsServer().answer("www.example.", "A", spoof="tea")


def test_reset_forgets_rules_and_queries(fake_upstream_thread, raw):
    fake_upstream_thread.answer("www.example.", "A", "www.example. 1 IN A 127.0.0.1")
    raw.send(query())
    raw.receive()
    fake_upstream_thread.reset()
    assert fake_upstream_thread.queries == []
    raw.send(query())
    assert dns.message.from_wire(raw.receive()[0]).rcode() == dns.rcode.REFUSED
