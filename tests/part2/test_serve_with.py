"""The series' two entry points: serve_with_zonefile and serve_with_processor.

Both run until cancelled, as a reader would run them from a notebook or a
script of their own; cancelling them closes their sockets.
"""

import asyncio
import socket
from pathlib import Path

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
from dnstest.peers import free_port

from part2_server import reply_with_rcode, serve_with_processor, serve_with_zonefile

ZONE = Path(__file__).resolve().parents[2] / "zones" / "example.test.zone"


async def ask_until_answered(port: int, name: str, *, tcp: bool = False) -> dns.message.Message:
    query = dns.message.make_query(name, "A")
    send = dns.asyncquery.tcp if tcp else dns.asyncquery.udp
    for _ in range(50):
        try:
            return await send(query, "127.0.0.1", port=port, timeout=0.2)
        except (dns.exception.Timeout, OSError):
            await asyncio.sleep(0.05)
    raise AssertionError(f"nothing answered on port {port}")


async def test_serve_with_zonefile_answers_from_the_zone_until_cancelled():
    port = free_port()
    serving = asyncio.create_task(serve_with_zonefile(ZONE, port=port))
    try:
        reply = await ask_until_answered(port, "nas.example.test.")
        assert reply.rcode() == dns.rcode.NOERROR
        assert [rrset.to_text() for rrset in reply.answer] == [
            "nas.example.test. 300 IN A 192.0.2.30"]
        by_tcp = await ask_until_answered(port, "nas.example.test.", tcp=True)
        assert by_tcp.answer == reply.answer
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
    # Cancelled, it has closed its sockets: the same port can be bound again.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", port))


async def test_serve_with_processor_serves_any_processor():
    async def teapot(query, *, src, dst):
        return reply_with_rcode(query, dns.rcode.NOTIMP)

    port = free_port()
    serving = asyncio.create_task(serve_with_processor(teapot, port=port))
    try:
        reply = await ask_until_answered(port, "anything.example.")
        assert reply.rcode() == dns.rcode.NOTIMP
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
