"""Grading: part 2, exercise 2 (exercises/part2/whoami.py)."""

import socket
from pathlib import Path

import dns.asyncquery
import dns.flags
import dns.message
import dns.rcode
import pytest

from part2_server.authority import ZoneProcessor
from part2_server.processor import Endpoint
from part2_server.server import DnsServer
from part2_server.zones import load_zone

EXAMPLE_ZONE = Path(__file__).resolve().parents[3] / "zones" / "example.test.zone"
DST: Endpoint = ("127.0.0.1", 8053)


@pytest.fixture
def whoami(exercise):
    return exercise("part2/whoami")


async def ask(processor, name, rdtype, src=("127.0.0.1", 40000)):
    return await processor(dns.message.make_query(name, rdtype), src=src, dst=DST)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_txt_tells_address_and_port_over_the_network(whoami):
    async with DnsServer(whoami.WhoAmI()) as server:
        await server.start("127.0.0.1", 0)
        source_port = free_udp_port()
        query = dns.message.make_query("whoami.test.", "TXT")
        reply = await dns.asyncquery.udp(query, "127.0.0.1", port=server.port, timeout=2,
                                         source="127.0.0.1", source_port=source_port)
    assert reply.rcode() == dns.rcode.NOERROR
    assert [rdata.to_text() for rdata in reply.answer[0]] == [f'"127.0.0.1 {source_port}"']


async def test_a_is_the_clients_ipv4_address(whoami):
    reply = await ask(whoami.WhoAmI(), "whoami.test.", "A", src=("127.0.0.42", 5353))
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["127.0.0.42"]
    assert reply.flags & dns.flags.AA


async def test_aaaa_for_an_ipv6_client(whoami):
    processor = whoami.WhoAmI()
    reply = await ask(processor, "whoami.test.", "AAAA", src=("::1", 5353))
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["::1"]
    nodata = await ask(processor, "whoami.test.", "A", src=("::1", 5353))
    assert nodata.rcode() == dns.rcode.NOERROR and nodata.answer == []


async def test_the_answer_must_not_be_cached(whoami):
    processor = whoami.WhoAmI()
    for rdtype in ("A", "TXT"):
        reply = await ask(processor, "whoami.test.", rdtype)
        assert reply.answer and all(rrset.ttl == 0 for rrset in reply.answer)


async def test_other_types_get_nodata(whoami):
    reply = await ask(whoami.WhoAmI(), "whoami.test.", "MX")
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer == []
    assert reply.flags & dns.flags.AA


async def test_letter_case_does_not_matter(whoami):
    reply = await ask(whoami.WhoAmI(), "WhoAmI.TEST.", "A")
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["127.0.0.1"]
    assert reply.question[0].name.to_text() == "WhoAmI.TEST."   # as the client asked


async def test_other_names_go_to_the_inner_processor(whoami):
    processor = whoami.WhoAmI(ZoneProcessor([load_zone(EXAMPLE_ZONE)]))
    reply = await ask(processor, "nas.example.test.", "A")
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["192.0.2.30"]
    assert await ask(processor, "elsewhere.invalid.", "A") is None


async def test_other_names_are_not_our_business_alone(whoami):
    assert await ask(whoami.WhoAmI(), "nas.example.test.", "A") is None
