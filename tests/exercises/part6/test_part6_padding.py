"""Grading: part 6, exercise 2 (exercises/part6/padding.py)."""

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import pytest
from part6_exercise_support import HOST, NAME, dot_server

from part6_encrypted import client_context

NAMES = ["example.test.", "www.example.test.",
         "a-very-long-name-that-would-give-itself-away.mail.example.test."]


@pytest.fixture
def padding(exercise):
    return exercise("part6/padding")


def padding_option(message):
    found = [o for o in message.options if o.otype == dns.edns.OptionType.PADDING]
    assert len(found) == 1, message.options
    return found[0]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("block", [128, 468])
def test_padded_to_a_multiple_of_the_block(padding, name, block):
    wire = padding.padded(dns.message.make_query(name, "A", use_edns=0), block)
    assert len(wire) % block == 0
    message = dns.message.from_wire(wire)
    assert str(message.question[0].name) == name
    assert set(padding_option(message).to_wire()) <= {0}  # zero bytes only (RFC 7830 s4)


def test_every_query_the_same_size(padding):
    sizes = {len(padding.padded(dns.message.make_query(name, "AAAA"))) for name in NAMES}
    assert sizes == {128}


def test_an_exact_fit_gets_an_empty_padding_option(padding):
    query = dns.message.make_query("example.test.", "A", use_edns=0)
    bare = len(query.to_wire()) + 4  # with an empty padding option
    wire = padding.padded(query, bare)
    assert len(wire) == bare
    assert padding_option(dns.message.from_wire(wire)).to_wire() == b""


def test_other_options_do_and_payload_are_kept(padding):
    cookie = dns.edns.GenericOption(dns.edns.OptionType.COOKIE, b"12345678")
    query = dns.message.make_query("www.example.test.", "A", use_edns=0, payload=1232,
                                   want_dnssec=True, options=[cookie])
    message = dns.message.from_wire(padding.padded(query))
    assert message.ednsflags & dns.flags.DO
    assert message.payload == 1232
    assert [o.otype for o in message.options].count(dns.edns.OptionType.COOKIE) == 1
    assert message.id == query.id


def test_a_query_without_edns_gets_it(padding):
    wire = padding.padded(dns.message.make_query("www.example.test.", "A", use_edns=False))
    message = dns.message.from_wire(wire)
    assert message.edns == 0 and len(wire) % 128 == 0


async def test_queries_reach_the_tls_upstream_padded(padding, pki):
    sizes = []

    def record_size(wire, src, udp):  # part 2's fast-path hook sees the raw query
        sizes.append(len(wire))
        return None

    async with dot_server(pki.cert, pki.key) as server:
        server.fast_path = record_size
        upstream = padding.PaddedTlsUpstream(HOST, server.tls_port, NAME).connected(
            client_context(pki.ca))
        for name in NAMES[:2]:
            result = await upstream.exchange_detailed(dns.message.make_query(name, "A"),
                                                      timeout=2)
            assert result.reply.rcode() == dns.rcode.NOERROR
        await upstream.connection.close()
    assert sizes and all(size % 128 == 0 for size in sizes), sizes


