"""Many datagrams per system call (part2_server/udp_batches.py).

DatagramBatches must hand `answer` the same bytes and the same address tuple
as recvfrom would, and send each reply to the client that asked, whatever
order and mix of clients a batch holds. The server must answer the same
with batches and without.
"""

import asyncio
import select
import socket

import dns.message
import dns.rcode
import pytest

from part2_server import udp_batches
from part2_server.server import DnsServer
from part2_server.udp_batches import BATCH, DatagramBatches

pytestmark = pytest.mark.skipif(not DatagramBatches.available(),
                                reason="recvmmsg/sendmmsg: Linux with glibc only")


def bound(family: int = socket.AF_INET, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    return sock


@pytest.fixture
def pair():
    """A non-blocking server socket and a client socket, on 127.0.0.1; closed after."""
    server, client = bound(), bound()
    server.setblocking(False)
    yield server, client
    server.close()
    client.close()


def wait_readable(sock: socket.socket) -> None:
    assert select.select([sock], [], [], 2)[0], "nothing arrived"


def take_all(batches: DatagramBatches, server: socket.socket, answer, expected: int) -> None:
    """Call answer_waiting until `expected` datagrams have been seen."""
    seen = []

    def counting(wire, address):
        seen.append(wire)
        return answer(wire, address)

    while len(seen) < expected:
        wait_readable(server)
        batches.answer_waiting(counting)


def test_each_reply_goes_to_the_client_that_asked():
    server = bound()
    server.setblocking(False)
    batches = DatagramBatches(server)
    clients = [bound() for _ in range(3)]
    sent = []
    for round_ in range(30):  # 90 datagrams: more than one batch of 64
        for number, client in enumerate(clients):
            payload = f"q{round_}-c{number}".encode()
            client.sendto(payload, server.getsockname())
            sent.append((payload, client.getsockname()))
    heard = []

    def answer(wire, address):
        heard.append((wire, address))
        if wire.endswith(b"c1"):
            return None  # no reply now: nothing must go out for it
        return b"re:" + wire

    take_all(batches, server, answer, len(sent))
    assert sorted(heard) == sorted(sent)  # every byte and every address, as recvfrom gives them
    for number, client in enumerate(clients):
        client.settimeout(0.5)
        replies = []
        try:
            while True:
                replies.append(client.recv(100))
        except TimeoutError:
            pass
        expected = [] if number == 1 else [f"re:q{r}-c{number}".encode() for r in range(30)]
        assert replies == expected
    for sock in [server, *clients]:
        sock.close()


def test_ipv6_addresses_are_those_recvfrom_gives():
    try:
        server = bound(socket.AF_INET6, "::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    server.setblocking(False)
    client = bound(socket.AF_INET6, "::1")
    client.sendto(b"hello", server.getsockname())
    heard = []
    take_all(DatagramBatches(server), server, lambda w, a: heard.append(a) or b"back", 1)
    assert heard == [client.getsockname()]  # ('::1', port, 0, 0)
    client.settimeout(1)
    assert client.recv(10) == b"back"
    server.close()
    client.close()


def test_a_large_datagram_and_its_large_reply_arrive_whole(pair):
    server, client = pair
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    big = bytes(range(256)) * 234  # 59,904 bytes
    client.sendto(big, server.getsockname())
    take_all(DatagramBatches(server), server, lambda wire, address: wire[::-1], 1)
    client.settimeout(1)
    assert client.recv(65535) == big[::-1]


def test_replies_taken_before_an_error_still_go_out(pair):
    server, client = pair
    for payload in (b"one", b"boom", b"three"):
        client.sendto(payload, server.getsockname())
    wait_readable(server)

    def answer(wire, address):
        if wire == b"boom":
            raise RuntimeError("a bug in the answering code")
        return wire.upper()

    batches = DatagramBatches(server)
    with pytest.raises(RuntimeError):
        while True:  # the three may take more than one call to arrive
            batches.answer_waiting(answer)
            wait_readable(server)
    client.settimeout(1)
    assert client.recv(10) == b"ONE"


def test_an_empty_socket_is_no_error(pair):
    server, _ = pair
    DatagramBatches(server).answer_waiting(lambda wire, address: pytest.fail("nothing was sent"))


def test_a_batch_is_at_most_batch_datagrams(pair):
    server, client = pair
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    for number in range(BATCH + 10):
        client.sendto(b"%d" % number, server.getsockname())
    wait_readable(server)
    calls = []
    DatagramBatches(server).answer_waiting(lambda wire, address: calls.append(wire))
    assert len(calls) == BATCH


async def nxdomain(query, *, src, dst):
    """The slow path: a parsed query, answered later."""
    reply = dns.message.make_response(query)
    reply.set_rcode(dns.rcode.NXDOMAIN)
    return reply


def refused_from_bytes(wire, src, udp):
    """The fast path, inside the batch: names starting with "f" are refused from bytes."""
    if wire[13:14] != b"f":
        return None
    return wire[:2] + bytes((wire[2] | 0x80, dns.rcode.REFUSED)) + wire[4:]


@pytest.mark.asyncio
@pytest.mark.parametrize("batches", [True, False])
async def test_the_server_answers_the_same_with_batches_or_without(batches, monkeypatch):
    if not batches:
        monkeypatch.setattr(udp_batches, "_CALLS", None)  # as on a system without them
    queries = [dns.message.make_query(f"{'fs'[i % 2]}{i}.test.", "A", id=i) for i in range(200)]
    clients = [bound() for _ in range(4)]
    for client in clients:
        client.setblocking(False)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    async with DnsServer(nxdomain, fast_path=refused_from_bytes, udp_batches=batches) as server:
        await server.start("127.0.0.1", 0)
        for i, query in enumerate(queries):
            clients[i % 4].sendto(query.to_wire(), (server.host, server.port))
        replies = {}
        while len(replies) < len(queries):
            assert loop.time() < deadline, f"{len(replies)} replies of {len(queries)}"
            await asyncio.sleep(0.01)
            for number, client in enumerate(clients):
                while True:
                    try:
                        reply = dns.message.from_wire(client.recv(512))
                    except BlockingIOError:
                        break
                    replies[reply.id] = (number, reply)
    for i, query in enumerate(queries):
        number, reply = replies[query.id]
        assert number == i % 4  # back to the client that asked
        assert reply.question == query.question
        assert reply.rcode() == (dns.rcode.REFUSED if i % 2 == 0 else dns.rcode.NXDOMAIN)
    for client in clients:
        client.close()
