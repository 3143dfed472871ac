"""The bytes of a stored reply: finding its TTLs, rewriting them, counting them down.

(Reading a query's bytes is part 2's: tests/part2/test_wire.py.)

Patched bytes are always checked by parsing them with dnspython and comparing
with the message we expect.
"""

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from part4_cache import wire

from .helpers import make_query

# -- walking a reply -------------------------------------------------------------

def _reply(*answer: str, authority=(), additional=(), edns=True, name="www.example.test."):
    query = make_query(name, edns=edns)
    reply = dns.message.make_response(query)
    for section, lines in ((reply.answer, answer), (reply.authority, authority),
                           (reply.additional, additional)):
        for line in lines:
            section.append(dns.rrset.from_text(*line.split(None, 4)))
    return reply


def test_walk_finds_every_ttl_and_skips_the_opt():
    reply = _reply("www.example.test. 300 IN CNAME web.example.test.",
                   "web.example.test. 60 IN A 192.0.2.1",
                   authority=["example.test. 3600 IN NS ns1.example.test."],
                   additional=["ns1.example.test. 900 IN A 192.0.2.53"])
    encoded = reply.to_wire()
    layout = wire.walk_reply(encoded)
    assert [wire.read_u32(encoded, r.ttl_offset) for r in layout.records] == [300, 60, 3600, 900]
    assert [r.section for r in layout.records] == [1, 1, 2, 3]
    assert layout.opt is not None and layout.opt[1] == len(encoded)
    assert encoded[layout.opt[0]:layout.opt[0] + 3] == b"\0\0\x29"


def test_without_opt_removes_only_the_opt():
    reply = _reply("www.example.test. 300 IN A 192.0.2.1",
                   additional=["ns1.example.test. 900 IN A 192.0.2.53"])
    encoded = reply.to_wire()
    stripped = dns.message.from_wire(wire.without_opt(encoded, wire.walk_reply(encoded)))
    assert stripped.edns == -1
    assert stripped.answer == reply.answer and stripped.additional == reply.additional


@pytest.mark.parametrize("packet", [b"\0" * 5, _reply("www.example.test. 1 IN A 192.0.2.1")
                                    .to_wire()[:-3]])
def test_walk_rejects_broken_messages(packet):
    with pytest.raises(wire.WireError):
        wire.walk_reply(packet)


label = st.text(alphabet="abcXYZ019-", min_size=1, max_size=12)
names = st.lists(label, min_size=1, max_size=4).map(lambda ls: ".".join(ls) + ".test.")


@settings(max_examples=60, deadline=None)
@given(owners=st.lists(names, min_size=1, max_size=6, unique_by=str.lower), ttls=st.data())
def test_rewritten_ttls_are_what_dnspython_reads(owners, ttls):
    """Whatever the names and compression, each TTL offset is exactly one RR's TTL."""
    lines = [f"{owner} {100 + i} IN A 192.0.2.{i}" for i, owner in enumerate(owners)]
    reply = _reply(*lines[:3], authority=lines[3:5], additional=lines[5:], name=owners[0])
    encoded = reply.to_wire()
    layout = wire.walk_reply(encoded)
    assert len(layout.records) == len(owners)
    new = tuple(ttls.draw(st.integers(1, 2**31 - 1)) for _ in layout.records)
    offsets = tuple(r.ttl_offset for r in layout.records)
    parsed = dns.message.from_wire(wire.write_ttls(encoded, offsets, new))
    seen = [rrset.ttl for section in (parsed.answer, parsed.authority, parsed.additional)
            for rrset in section]
    assert seen == list(new)  # one RR per owner, in order
    assert parsed.edns == 0  # the OPT was not touched


# -- ageing a stored reply ------------------------------------------------------

def test_count_down_rewrites_every_ttl():
    encoded = _reply("www.example.test. 300 IN A 192.0.2.1",
                     authority=["example.test. 3600 IN NS ns1.example.test."], edns=False).to_wire()
    offsets = [r.ttl_offset for r in wire.walk_reply(encoded).records]
    aged = dns.message.from_wire(wire.count_down(encoded, offsets, 100, 30))
    assert (aged.answer[0].ttl, aged.authority[0].ttl) == (200, 3500)
    stale = dns.message.from_wire(wire.count_down(encoded, offsets, -1, 30))
    assert (stale.answer[0].ttl, stale.authority[0].ttl) == (30, 30)
