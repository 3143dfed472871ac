"""The labelled hex dump: every byte shown once, every field named, never a crash."""

import doctest
import re

import dns.flags
import dns.message
from dnstest.fake_server import parse_rrs
from hypothesis import given
from hypothesis import strategies as st

from part1_client import hexdump
from part1_client.hexdump import describe_flags, dump

# An offset and bytes, or (a label going on from the line above) neither.
LINE = re.compile(r"^(?:([0-9a-f]{4})  ((?:[0-9a-f]{2} ?)*)|( {55}))\s*(.*)$")


def dumped_bytes(text):
    """Reassemble the bytes from a dump, checking offsets run on without gaps."""
    data = b""
    for line in text.splitlines():
        offset, hex_bytes, _, _ = LINE.match(line).groups()
        if offset is not None:
            assert int(offset, 16) == len(data)
            data += bytes.fromhex(hex_bytes)
    return data


def labels(text):
    """Each line's label, with a label's continuation lines joined to it
    (where a label wraps, the spaces between its words are not kept)."""
    found = []
    for line in text.splitlines():
        offset, _, _, label = LINE.match(line).groups()
        if offset is None:
            found[-1] += " " + label
        else:
            found.append(label)
    return found


def test_no_line_is_wider_than_100_columns():
    assert max(len(line) for line in dump(a_reply()).splitlines()) <= 100


def a_reply():
    query = dns.message.make_query("www.example.", "A", use_edns=0, payload=1232,
                                   want_dnssec=True)
    query.id = 0xBEEF
    reply = dns.message.make_response(query)
    reply.use_edns(0, dns.flags.DO, 1232)
    reply.flags |= dns.flags.AA | dns.flags.RA
    reply.answer = parse_rrs(["www.example. 300 IN CNAME web.example.",
                              "web.example. 60 IN A 127.0.0.5"])
    return reply.to_wire()


def test_docstring_example():
    failures, tried = doctest.testmod(hexdump)
    assert tried and not failures


def test_every_field_is_labelled_in_order():
    text = dump(a_reply())
    assert dumped_bytes(text) == a_reply()
    def words(label):
        return " ".join(label.split())
    assert [words(label) for label in labels(text) if label] == [words(label) for label in [
        "ID 48879",
        "flags QR=1 OPCODE=QUERY AA=1 TC=0 RD=1 RA=1 Z=0 AD=0 CD=0 RCODE=NOERROR",
        "QDCOUNT 1", "ANCOUNT 2", "NSCOUNT 0", "ARCOUNT 1",
        "question name www.example.", "type A", "class IN",
        "answer name www.example. (ends in a pointer to 000c)",
        "type CNAME  class IN  TTL 300  rdlength 6",
        "rdata web.example.",
        "answer name web.example. (ends in a pointer to 0029)",
        "type A  class IN  TTL 60  rdlength 4",
        "rdata 127.0.0.5",
        "additional name .",
        "type OPT  udp payload 1232  extended rcode 0  version 0  flags do  rdlength 0",
    ]]


def test_flags_bit_by_bit():
    assert describe_flags(0x8583) == (
        "QR=1 OPCODE=QUERY AA=1 TC=0 RD=1 RA=1 Z=0 AD=0 CD=0 RCODE=NXDOMAIN")
    assert "TC=1" in describe_flags(0x0200)
    assert "OPCODE=NOTIFY" in describe_flags(4 << 11)


def test_a_question_cut_after_its_name_keeps_the_name():
    """Found by hypothesis: the name's bytes were lost when the type was missing."""
    wire = bytes(5) + b"\x01" + bytes(6) + b"\x00"
    text = dump(wire)
    assert dumped_bytes(text) == wire
    assert "question name ." in text and "cannot parse the rest" in text


def test_a_cut_reply_shows_the_rest_raw():
    wire = a_reply()[:40]
    text = dump(wire)
    assert dumped_bytes(text) == wire
    assert "cannot parse the rest" in text


def test_trailing_bytes_are_shown():
    wire = a_reply() + b"\x01\x02"
    text = dump(wire)
    assert dumped_bytes(text) == wire
    assert labels(text)[-1] == "trailing bytes"


def test_too_short_for_a_header():
    assert dump(b"\x01\x02\x03") == "0000  01 02 03" + " " * 40 + " too short for a DNS header"


@given(st.binary(max_size=200))
def test_any_bytes_are_dumped_without_error(wire):
    assert dumped_bytes(dump(wire)) == wire


@given(st.binary(min_size=12, max_size=80))
def test_any_tail_after_a_real_header_is_dumped(tail):
    wire = a_reply()[:12] + tail
    assert dumped_bytes(dump(wire)) == wire
