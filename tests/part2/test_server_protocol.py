"""The server loop's protocol rules (DESIGN.md), with a tiny processor.

These tests exercise part2_server.server and part2_server.protocol over real
loopback sockets; the zone lookup has its own tests.
"""

import asyncio
import os
import struct

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from dnstest.writes import CountingWrites, answer_at_once

from part2_server.processor import reply_with_rcode
from part2_server.server import DnsServer

pytestmark = pytest.mark.asyncio


async def toy_processor(query, *, src, dst):
    """Answers a few made-up names; everything else is none of its business."""
    question = query.question[0]
    name = question.name.to_text().lower()
    if name == "boom.test.":
        raise RuntimeError("a processor bug")
    if name == "slow.test.":
        await asyncio.sleep(0.3)
    if name not in ("www.test.", "slow.test.", "big.test."):
        return None
    reply = dns.message.make_response(query)
    count = 100 if name == "big.test." else 1
    addresses = [f"127.0.{i // 250}.{i % 250 + 1}" for i in range(count)]
    reply.answer.append(dns.rrset.from_text_list(question.name, 300, "IN", "A", addresses))
    reply.flags |= dns.flags.AA
    return reply


@pytest.fixture
async def server():
    async with DnsServer(toy_processor, tcp_idle_timeout=0.5, max_tcp_connections=3) as s:
        await s.start("127.0.0.1", 0)
        yield s


class Collector(asyncio.DatagramProtocol):
    def __init__(self):
        self.replies = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.replies.put_nowait(data)


async def udp_raw(server, wire: bytes, timeout: float = 1.0) -> bytes | None:
    """Send raw bytes over UDP; the reply's bytes, or None when none came in time."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        Collector, remote_addr=(server.host, server.port)
    )
    try:
        transport.sendto(wire)
        return await asyncio.wait_for(protocol.replies.get(), timeout)
    except TimeoutError:
        return None
    finally:
        transport.close()


async def udp(server, query) -> dns.message.Message:
    return dns.message.from_wire(await udp_raw(server, query.to_wire()))


async def tcp_messages(server, wires, count, timeout=2.0):
    """Send length-prefixed messages on one connection; read `count` replies."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(b"".join(struct.pack("!H", len(w)) + w for w in wires))
        replies = []
        async with asyncio.timeout(timeout):
            for _ in range(count):
                length = struct.unpack("!H", await reader.readexactly(2))[0]
                replies.append(dns.message.from_wire(await reader.readexactly(length)))
        return replies
    finally:
        writer.close()


def query(name="www.test.", rdtype="A", **kw):
    return dns.message.make_query(name, rdtype, **kw)


async def test_answers_over_udp_with_the_query_id(server):
    q = query()
    reply = await udp(server, q)
    assert reply.id == q.id
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer[0][0].address == "127.0.0.1"


async def test_question_case_is_echoed(server):
    reply = await udp(server, query("WwW.TeSt."))
    assert reply.question[0].name.to_text() == "WwW.TeSt."


async def test_none_from_the_processor_becomes_refused(server):
    reply = await udp(server, query("elsewhere.example."))
    assert reply.rcode() == dns.rcode.REFUSED


async def test_a_processor_that_raises_gets_servfail_and_serving_goes_on(server, caplog):
    reply = await udp(server, query("boom.test."))
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert "processor failed" in caplog.text
    assert (await udp(server, query())).rcode() == dns.rcode.NOERROR


@pytest.mark.parametrize("wire", [b"", b"\x12", b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00"])
async def test_runts_are_dropped(server, wire):
    assert await udp_raw(server, wire, timeout=0.3) is None


async def test_responses_are_dropped(server):
    q = query()
    q.flags |= dns.flags.QR
    assert await udp_raw(server, q.to_wire(), timeout=0.3) is None


@pytest.mark.parametrize("qdcount", [0, 2])
async def test_formerr_when_qdcount_is_not_one(server, qdcount):
    q = query()
    q.question = [] if qdcount == 0 else q.question * 2
    reply = await udp(server, q)
    assert reply.rcode() == dns.rcode.FORMERR
    assert reply.id == q.id


async def test_formerr_for_two_opt_records(server):
    wire = bytearray(query(use_edns=0).to_wire())
    opt = wire[-11:]  # the OPT pseudo-record is the last 11 bytes
    wire[10:12] = struct.pack("!H", 2)  # ARCOUNT 2
    reply = dns.message.from_wire(await udp_raw(server, bytes(wire + opt)))
    assert reply.rcode() == dns.rcode.FORMERR


async def test_formerr_for_garbage_after_a_valid_header(server):
    wire = query().to_wire()[:12] + os.urandom(5)
    reply = await udp_raw(server, wire)
    assert reply[:2] == wire[:2]
    assert dns.rcode.from_flags(struct.unpack("!H", reply[2:4])[0], 0) == dns.rcode.FORMERR


async def test_notimp_for_an_unknown_opcode(server):
    q = query()
    q.set_opcode(dns.opcode.NOTIFY)
    assert (await udp(server, q)).rcode() == dns.rcode.NOTIMP


async def test_zone_transfers_are_refused(server):
    assert (await udp(server, query(rdtype="AXFR"))).rcode() == dns.rcode.REFUSED


async def test_badvers_for_edns_version_above_zero(server):
    reply = await udp(server, query(use_edns=1))
    assert reply.rcode() == dns.rcode.BADVERS
    assert reply.edns == 0


async def test_opt_is_echoed_only_when_the_query_had_one(server):
    with_edns = await udp(server, query(use_edns=0, payload=4096))
    assert with_edns.edns == 0
    assert with_edns.payload == 1232
    without = await udp(server, query(use_edns=False))
    assert without.edns == -1


async def test_do_bit_is_echoed(server):
    reply = await udp(server, query(use_edns=0, want_dnssec=True))
    assert reply.ednsflags & dns.flags.DO


async def test_udp_without_edns_truncates_at_512_bytes(server):
    raw = await udp_raw(server, query("big.test.", use_edns=False).to_wire())
    reply = dns.message.from_wire(raw)
    assert len(raw) <= 512
    assert reply.flags & dns.flags.TC
    assert reply.answer == []


async def test_udp_size_follows_the_client_payload_up_to_our_limit(server):
    big = query("big.test.", use_edns=0, payload=4096).to_wire()
    reply = dns.message.from_wire(await udp_raw(server, big))
    assert reply.flags & dns.flags.TC  # 1232 bytes at most, by default
    server.max_udp_reply = 4096
    raw = await udp_raw(server, big)
    reply = dns.message.from_wire(raw)
    assert len(raw) > 1232
    assert not reply.flags & dns.flags.TC
    assert len(reply.answer[0]) == 100


async def test_payload_below_512_counts_as_512(server):
    raw = await udp_raw(server, query("www.test.", use_edns=0, payload=100).to_wire())
    assert not dns.message.from_wire(raw).flags & dns.flags.TC


async def test_tcp_carries_what_udp_cannot(server):
    [reply] = await tcp_messages(server, [query("big.test.").to_wire()], 1)
    assert not reply.flags & dns.flags.TC
    assert len(reply.answer[0]) == 100


async def test_tcp_pipelined_queries_all_answered_out_of_order(server):
    slow, fast = query("slow.test."), query("www.test.")
    replies = await tcp_messages(server, [slow.to_wire(), fast.to_wire()], 2)
    assert [r.id for r in replies] == [fast.id, slow.id]


async def test_tcp_many_queries_on_one_connection(server):
    queries = [query() for _ in range(50)]
    replies = await tcp_messages(server, [q.to_wire() for q in queries], 50)
    assert sorted(r.id for r in replies) == sorted(q.id for q in queries)


class CountingServer(CountingWrites, DnsServer):
    pass


async def test_pipelined_replies_ready_together_leave_in_one_write():
    queries = [query(f"q{number}.test.", id=number) for number in range(50)]
    async with CountingServer(toy_processor, fast_path=answer_at_once) as s:
        await s.start("127.0.0.1", 0)
        replies = await tcp_messages(s, [q.to_wire() for q in queries], len(queries))
    # Each reply whole, and each the answer to its own query.
    assert {r.id: r.question for r in replies} == {q.id: q.question for q in queries}
    # Sent in one piece, the 50 queries are read in one turn of the event
    # loop (two or three on a busy machine), and so are their replies written.
    assert s.writes <= 3


async def test_a_connection_that_keeps_asking_is_not_idle(server):
    """One idle timer per connection: it must follow the reads, not the connect."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        for _ in range(8):  # a query every 0.2 s for 1.6 s, with an idle timeout of 0.5 s
            await asyncio.sleep(0.2)
            q = query()
            writer.write(struct.pack("!H", len(q.to_wire())) + q.to_wire())
            async with asyncio.timeout(2):
                length = struct.unpack("!H", await reader.readexactly(2))[0]
                assert dns.message.from_wire(await reader.readexactly(length)).id == q.id
        started = asyncio.get_running_loop().time()
        async with asyncio.timeout(2):
            assert await reader.read() == b""  # then silent: closed once idle
        assert asyncio.get_running_loop().time() - started >= 0.4
    finally:
        writer.close()


async def test_tcp_idle_connection_is_closed(server):
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"\x00")  # half a length prefix, then nothing
    async with asyncio.timeout(2):
        assert await reader.read() == b""  # the server hung up
    writer.close()


async def test_tcp_connections_beyond_the_cap_close_the_longest_idle(server):
    held = [await asyncio.open_connection(server.host, server.port) for _ in range(3)]
    await asyncio.sleep(0.05)
    _, writer = await asyncio.open_connection(server.host, server.port)
    async with asyncio.timeout(2):
        assert await held[0][0].read() == b""  # the longest idle made room
    writer.close()
    held_reader, held_writer = held[1]
    q = query()
    held_writer.write(struct.pack("!H", len(q.to_wire())) + q.to_wire())
    length = struct.unpack("!H", await held_reader.readexactly(2))[0]
    assert dns.message.from_wire(await held_reader.readexactly(length)).id == q.id
    for _, w in held:
        w.close()


async def test_bad_input_then_a_good_query_still_answered(server):
    q = query()
    bad = [b"", b"\xff" * 5, os.urandom(40), q.to_wire()[:12] + b"\xc0\x0c" * 4,
           bytes([0, 1, 0x80, 0]) + bytes(8)]
    for wire in bad:
        await udp_raw(server, wire, timeout=0.1)
    await tcp_messages(server, [b"\x00" * 3], 0)
    assert (await udp(server, q)).answer[0][0].address == "127.0.0.1"


async def test_fast_path_reply_is_sent_verbatim():
    canned = reply_with_rcode(query(), dns.rcode.NXDOMAIN).to_wire()

    def fast_path(wire, src, udp):
        return wire[:2] + canned[2:] if b"\x04fast" in wire else None

    async with DnsServer(toy_processor, fast_path=fast_path) as s:
        await s.start("127.0.0.1", 0)
        q = query("fast.test.")
        raw = await udp_raw(s, q.to_wire())
        assert raw == q.to_wire()[:2] + canned[2:]
        [over_tcp] = await tcp_messages(s, [q.to_wire()], 1)
        assert over_tcp.rcode() == dns.rcode.NXDOMAIN
        assert (await udp(s, query())).rcode() == dns.rcode.NOERROR  # slow path


async def test_a_failing_fast_path_falls_back_to_the_processor(caplog):
    def fast_path(wire, src, udp):
        raise ValueError("bug in the fast path")

    async with DnsServer(toy_processor, fast_path=fast_path) as s:
        await s.start("127.0.0.1", 0)
        assert (await udp(s, query())).rcode() == dns.rcode.NOERROR
    assert "fast path failed" in caplog.text


async def test_ipv6_loopback():
    async with DnsServer(toy_processor) as s:
        await s.start("::1", 0)
        reply = await udp(s, query())
        assert reply.answer[0][0].address == "127.0.0.1"
        [over_tcp] = await tcp_messages(s, [query().to_wire()], 1)
        assert over_tcp.rcode() == dns.rcode.NOERROR


async def test_two_servers_cannot_share_a_port(server):
    with pytest.raises(OSError):
        await DnsServer(toy_processor).start("127.0.0.1", server.port)


async def test_cd_bit_is_copied_into_the_reply(server):
    q = query()
    q.flags |= dns.flags.CD
    assert (await udp(server, q)).flags & dns.flags.CD
    assert not (await udp(server, query())).flags & dns.flags.CD


async def test_stop_leaves_no_connection_task_pending():
    """A task left pending when the event loop closes is dropped and finalised
    by the garbage collector some time later, which crashed CPython 3.11 in
    the test run: stop() ends every connection's task itself."""
    server = DnsServer(toy_processor, tcp_idle_timeout=30)
    await server.start("127.0.0.1", 0)
    clients = [await asyncio.open_connection(server.host, server.port) for _ in range(3)]
    for _ in range(50):  # until the server has taken all three
        if len(server._connections) == 3:
            break
        await asyncio.sleep(0.01)
    handlers = [connection.handler for connection in server._connections]
    assert len(handlers) == 3 and not any(task.done() for task in handlers)
    await server.stop(grace=0.5)
    assert all(task.done() for task in handlers)
    for _, writer in clients:
        writer.close()
