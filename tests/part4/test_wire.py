"""The bytes of the hit path: reading a query's key, finding TTLs, patching replies.

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

# -- reading a query -----------------------------------------------------------


def test_key_of_a_plain_query():
    query = make_query("WWW.Example.test.", "AAAA", edns=False)
    parsed = wire.read_query(query.to_wire())
    assert parsed.key == b"\3www\7example\4test\0" + b"\0\x1c" + b"\0\1" + b"\0"
    assert (parsed.edns, parsed.udp_limit) == (False, 512)
    assert parsed.question_end == len(query.to_wire())


def test_key_of_an_edns_query_carries_the_do_bit_and_payload():
    parsed = wire.read_query(make_query("www.example.test.", do=True, payload=4096).to_wire())
    assert parsed.key.endswith(b"\0\1\0\1\1")
    assert (parsed.edns, parsed.udp_limit) == (True, 4096)


def test_small_payload_counts_as_512():
    parsed = wire.read_query(make_query("www.example.test.", payload=100).to_wire())
    assert parsed.udp_limit == 512


def test_key_matches_the_key_the_slow_path_computes():
    query = make_query("MiXeD.example.test.", "MX", do=True)
    question = query.question[0]
    asked = question.name.to_wire() + b"\0\x0f\0\1"
    assert wire.read_query(query.to_wire()).key == wire.cache_key(asked, True)


def test_options_are_allowed_and_skipped():
    import dns.edns
    cookie = dns.edns.GenericOption(dns.edns.OptionType.COOKIE, b"12345678")
    query = make_query("www.example.test.", options=[cookie])
    parsed = wire.read_query(query.to_wire())
    without = wire.read_query(make_query("www.example.test.").to_wire())
    assert parsed is not None
    assert (parsed.key, parsed.question_end) == (without.key, without.question_end)


def test_options_that_end_like_an_opt_record_are_still_options():
    import dns.edns
    # (PADDING, RFC 7830: a hit may skip it; an unknown option goes the slow way.)
    tricky = dns.edns.GenericOption(dns.edns.OptionType.PADDING,
                                    b"\0\0\x29\x04\xd0\0\0\0\0\0\x05")
    parsed = wire.read_query(make_query("www.example.test.", options=[tricky]).to_wire())
    assert parsed.key == wire.read_query(make_query("www.example.test.").to_wire()).key


def _with(wire_bytes: bytes, offset: int, value: bytes) -> bytes:
    return wire_bytes[:offset] + value + wire_bytes[offset + len(value):]


PLAIN = make_query("www.example.test.").to_wire()


@pytest.mark.parametrize("packet", [
    pytest.param(PLAIN[:10], id="runt"),
    pytest.param(_with(PLAIN, 2, bytes([PLAIN[2] | 0x80])), id="QR=1"),
    pytest.param(_with(PLAIN, 2, bytes([PLAIN[2] | 0x20])), id="opcode UPDATE"),
    pytest.param(_with(PLAIN, 4, b"\0\2"), id="QDCOUNT 2"),
    pytest.param(_with(PLAIN, 4, b"\0\0"), id="QDCOUNT 0"),
    pytest.param(_with(PLAIN, 6, b"\0\1"), id="ANCOUNT 1"),
    pytest.param(_with(PLAIN, 8, b"\0\1"), id="NSCOUNT 1"),
    pytest.param(_with(PLAIN, 10, b"\0\2"), id="ARCOUNT 2"),
    # The OPT is the last 11 bytes: root, TYPE(2), CLASS(2), ext. rcode,
    # version, flags(2), RDLENGTH(2).
    pytest.param(_with(PLAIN, len(PLAIN) - 5, b"\1"), id="EDNS version 1"),
    pytest.param(_with(PLAIN, len(PLAIN) - 6, b"\1"), id="extended rcode"),
    pytest.param(_with(PLAIN, len(PLAIN) - 10, b"\0\1"), id="additional is an A, not OPT"),
    pytest.param(PLAIN + b"\0", id="trailing byte after OPT"),
    pytest.param(PLAIN[:-2] + b"\0\5" + b"\0\12\0\1", id="option cut short"),
])
def test_unusual_queries_take_the_slow_path(packet):
    assert wire.read_query(packet) is None


def test_trailing_junk_without_opt_never_matches_a_stored_key():
    good = make_query("www.example.test.", edns=False).to_wire()
    parsed = wire.read_query(good + b"junk")
    assert parsed is None or parsed.key != wire.read_query(good).key


def test_compressed_question_name_never_matches_a_stored_key():
    # QNAME = pointer to offset 12, itself: not a name a stored key can hold.
    packet = make_query("www.example.test.", edns=False).to_wire()[:12] + b"\xc0\x0c\0\1\0\1"
    parsed = wire.read_query(packet)
    stored = wire.read_query(make_query("www.example.test.", edns=False).to_wire()).key
    assert parsed is None or parsed.key != stored
    dnspython_rejects = pytest.raises(Exception)
    with dnspython_rejects:
        dns.message.from_wire(packet)


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


# -- patching a stored reply for a client ----------------------------------------

@pytest.mark.parametrize("edns", [False, True])
@pytest.mark.parametrize("rd", [False, True])
@pytest.mark.parametrize("cd", [False, True])
def test_header_variants_take_rd_and_cd_from_the_client_and_count_the_opt(edns, rd, cd):
    stored = _reply("www.example.test. 300 IN A 192.0.2.1",
                    additional=["ns1.example.test. 900 IN A 192.0.2.53"], edns=False)
    stored.flags |= dns.flags.RA | dns.flags.RD | dns.flags.AA
    encoded = stored.to_wire()
    head = wire.header_variants(encoded[2:12])[edns * 4 + rd * 2 + cd]
    flags = int.from_bytes(head[:2], "big")
    assert bool(flags & dns.flags.RD) == rd
    assert bool(flags & dns.flags.CD) == cd
    assert flags & (dns.flags.QR | dns.flags.AA | dns.flags.RA) == (
        dns.flags.QR | dns.flags.AA | dns.flags.RA)  # the rest as stored
    assert head[2:8] == encoded[4:10]  # QDCOUNT, ANCOUNT, NSCOUNT
    assert int.from_bytes(head[8:10], "big") == 1 + edns  # ARCOUNT, plus our OPT


@pytest.mark.parametrize(("asked", "dnssec_ok", "authentic"), [
    (False, False, False), (True, False, True), (False, True, True), (True, True, True)])
def test_a_stored_ad_goes_only_to_a_client_that_set_ad_or_do(asked, dnssec_ok, authentic):
    # Part 7 stores validated answers with AD=1 (RFC 6840 s5.7: AD only when asked).
    stored = _reply("www.example.test. 300 IN A 192.0.2.1", edns=False)
    stored.flags |= dns.flags.AD
    variants = wire.header_variants(stored.to_wire()[2:12], dnssec_ok)
    for edns in (0, 1):
        flags = int.from_bytes(variants[asked * 8 + edns * 4][:2], "big")
        assert bool(flags & dns.flags.AD) == authentic


def test_a_stored_reply_without_ad_never_gains_it():
    stored = _reply("www.example.test. 300 IN A 192.0.2.1", edns=False).to_wire()
    assert not any(int.from_bytes(head[:2], "big") & dns.flags.AD
                   for head in wire.header_variants(stored[2:12], True))


def test_header_variants_are_shared_between_entries():
    header = _reply("a.test. 300 IN A 192.0.2.1", name="a.test.").to_wire()[2:12]
    assert wire.header_variants(bytes(header)) is wire.header_variants(bytes(header))


def test_opt_record_is_what_our_server_sends():
    for do in (False, True):
        message = dns.message.make_response(make_query("a.test."))
        message.answer = []
        message.use_edns(0, dns.flags.DO if do else 0, 1232)
        encoded = message.to_wire()
        assert encoded.endswith(wire.OPT_RECORDS[do])
        assert len(wire.OPT_RECORDS[do]) == wire.OPT_SIZE


def test_count_down_rewrites_every_ttl():
    encoded = _reply("www.example.test. 300 IN A 192.0.2.1",
                     authority=["example.test. 3600 IN NS ns1.example.test."], edns=False).to_wire()
    offsets = [r.ttl_offset for r in wire.walk_reply(encoded).records]
    aged = dns.message.from_wire(wire.count_down(encoded, offsets, 100, 30))
    assert (aged.answer[0].ttl, aged.authority[0].ttl) == (200, 3500)
    stale = dns.message.from_wire(wire.count_down(encoded, offsets, -1, 30))
    assert (stale.answer[0].ttl, stale.authority[0].ttl) == (30, 30)
