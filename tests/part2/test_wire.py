"""A query's bytes read without dnspython (part2_server/wire.py), for the fast paths.

Part 2's prepared answers and part 4's cache both read queries this way.
What is read is always checked against what dnspython makes of the same bytes.
"""

import dns.edns
import dns.flags
import dns.message
import dns.rrset
import pytest

from part2_server import wire


def make_query(name: str, rdtype: str = "A", *, edns: bool = True, do: bool = False,
               payload: int = 1232, **options) -> dns.message.Message:
    return dns.message.make_query(name, rdtype, use_edns=0 if edns else False,
                                  want_dnssec=do, payload=payload, **options)


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
    assert wire.key_dnssec_ok(parsed.key)
    assert (parsed.edns, parsed.udp_limit) == (True, 4096)


def test_small_payload_counts_as_512():
    parsed = wire.read_query(make_query("www.example.test.", payload=100).to_wire())
    assert parsed.udp_limit == 512


def test_key_matches_the_key_made_from_a_parsed_question():
    query = make_query("MiXeD.example.test.", "MX", do=True)
    asked = query.question[0].name.to_wire() + b"\0\x0f\0\1"
    assert wire.read_query(query.to_wire()).key == wire.question_key(asked, True)


def test_a_cookie_and_padding_are_skipped():
    cookie = dns.edns.GenericOption(dns.edns.OptionType.COOKIE, b"12345678")
    padding = dns.edns.GenericOption(dns.edns.OptionType.PADDING, bytes(12))
    without = wire.read_query(make_query("www.example.test.").to_wire())
    for options in ([cookie], [padding], [cookie, padding]):
        parsed = wire.read_query(make_query("www.example.test.", options=options).to_wire())
        assert (parsed.key, parsed.question_end) == (without.key, without.question_end)


def test_other_options_and_a_bad_cookie_go_the_slow_way():
    unknown = dns.edns.GenericOption(65001, b"\1\2")
    short_cookie = dns.edns.GenericOption(dns.edns.OptionType.COOKIE, b"1234")
    for option in (unknown, short_cookie):
        assert wire.read_query(make_query("www.example.test.", options=[option]).to_wire()) is None


def test_options_that_end_like_an_opt_record_are_still_options():
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
def test_unusual_queries_go_the_slow_way(packet):
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
    with pytest.raises(Exception):  # noqa: B017 (dnspython rejects it, any way it likes)
        dns.message.from_wire(packet)


# -- the header and the OPT of a reply sent from bytes ---------------------------

@pytest.mark.parametrize("edns", [False, True])
@pytest.mark.parametrize("rd", [False, True])
@pytest.mark.parametrize("cd", [False, True])
def test_header_variants_take_rd_and_cd_from_the_client_and_count_the_opt(edns, rd, cd):
    stored = dns.message.make_response(make_query("www.example.test.", edns=False))
    stored.answer.append(dns.rrset.from_text("www.example.test.", 300, "IN", "A", "192.0.2.1"))
    stored.additional.append(dns.rrset.from_text("ns1.example.test.", 900, "IN", "A",
                                                 "192.0.2.53"))
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


def test_header_variants_are_shared():
    header = dns.message.make_response(make_query("a.test.")).to_wire()[2:12]
    assert wire.header_variants(bytes(header)) is wire.header_variants(bytes(header))


def test_opt_record_is_what_our_server_sends():
    for do in (False, True):
        message = dns.message.make_response(make_query("a.test."))
        message.use_edns(0, dns.flags.DO if do else 0, 1232)
        encoded = message.to_wire()
        assert encoded.endswith(wire.OPT_RECORDS[do])
        assert len(wire.OPT_RECORDS[do]) == wire.OPT_SIZE


@pytest.mark.parametrize(("asked", "dnssec_ok", "authentic"), [
    (False, False, False), (True, False, True), (False, True, True), (True, True, True)])
def test_a_stored_ad_goes_only_to_a_client_that_set_ad_or_do(asked, dnssec_ok, authentic):
    # Part 7 stores validated answers with AD=1 (RFC 6840 s5.7: AD only when asked).
    stored = dns.message.make_response(make_query("www.example.test."))
    stored.flags |= dns.flags.AD
    variants = wire.header_variants(stored.to_wire()[2:12], dnssec_ok)
    for edns in (0, 1):
        flags = int.from_bytes(variants[asked * 8 + edns * 4][:2], "big")
        assert bool(flags & dns.flags.AD) == authentic


def test_a_stored_reply_without_ad_never_gains_it():
    stored = dns.message.make_response(make_query("www.example.test.")).to_wire()
    assert not any(int.from_bytes(head[:2], "big") & dns.flags.AD
                   for head in wire.header_variants(stored[2:12], True))
