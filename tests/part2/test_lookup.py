"""Every case of the lookup, asked in-process of the shipped zones (no sockets).

Each test states the records it expects, in the text form dig prints, so a
reader can check them against zones/example.test.zone and
zones/hostile.test.zone.
"""

from pathlib import Path

import dns.name
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

from part2_server.lookup import existing_names, lookup
from part2_server.zones import load_zone

ZONES = Path(__file__).resolve().parents[2] / "zones"
NOERROR, NXDOMAIN = dns.rcode.NOERROR, dns.rcode.NXDOMAIN
EXAMPLE_NEGATIVE_SOA = ("example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. "
                        "2024060101 7200 900 1209600 300")
HOSTILE_NEGATIVE_SOA = ("hostile.test. 60 IN SOA ns1.hostile.test. hostmaster.hostile.test. "
                        "1 7200 900 1209600 60")


@pytest.fixture(scope="module")
def example():
    return load_zone(ZONES / "example.test.zone")


@pytest.fixture(scope="module")
def hostile():
    return load_zone(ZONES / "hostile.test.zone")


def ask(zone, qname, qtype):
    return lookup(zone, dns.name.from_text(qname), dns.rdatatype.from_text(qtype))


def lines(rrsets):
    """The records as dig prints them, in the order the lookup put them."""
    return [line for rrset in rrsets for line in rrset.to_text().splitlines()]


def check(result, *, rcode=NOERROR, aa=True, answer=(), authority=(), additional=()):
    assert dns.rcode.to_text(result.rcode) == dns.rcode.to_text(rcode)
    assert result.authoritative is aa
    assert lines(result.answer) == list(answer)
    assert lines(result.authority) == list(authority)
    assert sorted(lines(result.additional)) == sorted(additional)


# Exact matches

def test_exact_match(example):
    check(ask(example, "example.test.", "A"), answer=["example.test. 3600 IN A 192.0.2.10"])


def test_the_answer_owner_is_the_name_as_asked(hostile):
    # RFC 4343: names match whatever their case; the answer keeps the
    # asker's spelling, like nsd and knot (and DNS 0x20 resolvers need it).
    result = ask(hostile, "mixed.CASE.hostile.test.", "A")
    check(result, answer=["mixed.CASE.hostile.test. 3600 IN A 192.0.2.40"])


@pytest.mark.parametrize("qname, qtype, record", [
    ("dot\\.inside.hostile.test.", "A", "192.0.2.41"),
    ("sp\\032ace.hostile.test.", "A", "192.0.2.42"),
    ("\\(paren\\).hostile.test.", "TXT", '"parentheses in a label"'),
    ("bin\\000ary.hostile.test.", "A", "192.0.2.43"),
    ("unknown.hostile.test.", "TYPE65280", "\\# 4 0a000001"),
    ("hostile.test.", "CAA", '0 issue "ca.invalid"'),
])
def test_escaped_labels_and_odd_types(hostile, qname, qtype, record):
    check(ask(hostile, qname, qtype), answer=[f"{qname} 3600 IN {qtype} {record}"])


def test_an_rrset_comes_whole(hostile):
    result = ask(hostile, "txt.hostile.test.", "TXT")
    assert sorted(lines(result.answer)) == [
        'txt.hostile.test. 3600 IN TXT "one string"',
        'txt.hostile.test. 3600 IN TXT "quote \\" and semicolon ;"',
        'txt.hostile.test. 3600 IN TXT "two" "strings"',
    ]


# The additional section: addresses for the names an answer points at

def test_mx_brings_the_exchange_addresses_from_the_zone_only(hostile):
    check(ask(hostile, "hostile.test.", "MX"),
          answer=["hostile.test. 3600 IN MX 10 mail.hostile.test.",
                  "hostile.test. 3600 IN MX 20 mx.elsewhere.invalid."],
          additional=["mail.hostile.test. 3600 IN A 192.0.2.25",
                      "mail.hostile.test. 3600 IN AAAA 2001:db8::25"])


def test_srv_brings_the_target_address(hostile):
    check(ask(hostile, "_sip._tcp.hostile.test.", "SRV"),
          answer=["_sip._tcp.hostile.test. 3600 IN SRV 0 5 5060 sip.hostile.test.",
                  "_sip._tcp.hostile.test. 3600 IN SRV 10 5 5060 sip.elsewhere.invalid."],
          additional=["sip.hostile.test. 3600 IN A 192.0.2.50"])


def test_apex_ns_brings_the_server_addresses(example):
    check(ask(example, "example.test.", "NS"),
          answer=["example.test. 3600 IN NS ns1.example.test.",
                  "example.test. 3600 IN NS ns2.example.test."],
          additional=["ns1.example.test. 3600 IN A 192.0.2.1",
                      "ns1.example.test. 3600 IN AAAA 2001:db8::1",
                      "ns2.example.test. 3600 IN A 192.0.2.2"])


# CNAMEs

def test_a_cname_is_followed_inside_the_zone(example):
    check(ask(example, "www.example.test.", "A"),
          answer=["www.example.test. 3600 IN CNAME example.test.",
                  "example.test. 3600 IN A 192.0.2.10"])


def test_a_cname_asked_for_is_not_followed(example):
    check(ask(example, "www.example.test.", "CNAME"),
          answer=["www.example.test. 3600 IN CNAME example.test."])


def test_a_chain_is_followed_to_its_end_in_order(hostile):
    check(ask(hostile, "chain1.hostile.test.", "AAAA"),
          answer=["chain1.hostile.test. 3600 IN CNAME chain2.hostile.test.",
                  "chain2.hostile.test. 3600 IN CNAME chain3.hostile.test.",
                  "chain3.hostile.test. 3600 IN CNAME mail.hostile.test.",
                  "mail.hostile.test. 3600 IN AAAA 2001:db8::25"])


def test_a_chain_that_ends_in_nodata_has_the_soa(hostile):
    check(ask(hostile, "chain1.hostile.test.", "TXT"),
          answer=["chain1.hostile.test. 3600 IN CNAME chain2.hostile.test.",
                  "chain2.hostile.test. 3600 IN CNAME chain3.hostile.test.",
                  "chain3.hostile.test. 3600 IN CNAME mail.hostile.test."],
          authority=[HOSTILE_NEGATIVE_SOA])


def test_a_loop_stops_after_each_cname_once(hostile):
    check(ask(hostile, "loop1.hostile.test.", "A"),
          answer=["loop1.hostile.test. 3600 IN CNAME loop2.hostile.test.",
                  "loop2.hostile.test. 3600 IN CNAME loop1.hostile.test."])
    check(ask(hostile, "self.hostile.test.", "A"),
          answer=["self.hostile.test. 3600 IN CNAME self.hostile.test."])


def test_a_cname_out_of_the_zone_is_left_to_the_resolver(hostile):
    check(ask(hostile, "out.hostile.test.", "A"),
          answer=["out.hostile.test. 3600 IN CNAME www.example.test."])


def test_a_cname_to_a_missing_name_is_nxdomain(hostile):
    # RFC 6604 s2.1: the rcode is about the last name of the chain.
    check(ask(hostile, "gone.hostile.test.", "A"), rcode=NXDOMAIN,
          answer=["gone.hostile.test. 3600 IN CNAME nowhere.hostile.test."],
          authority=[HOSTILE_NEGATIVE_SOA])


def test_a_cname_to_an_empty_non_terminal_is_nodata(hostile):
    check(ask(hostile, "to-ent.hostile.test.", "A"),
          answer=["to-ent.hostile.test. 3600 IN CNAME b.c.hostile.test."],
          authority=[HOSTILE_NEGATIVE_SOA])


def test_a_cname_into_a_delegation_keeps_aa_and_adds_the_referral(hostile):
    check(ask(hostile, "to-deleg.hostile.test.", "A"),
          answer=["to-deleg.hostile.test. 3600 IN CNAME host.sub.hostile.test."],
          authority=["sub.hostile.test. 3600 IN NS ns1.sub.hostile.test.",
                     "sub.hostile.test. 3600 IN NS ns.elsewhere.invalid."],
          additional=["ns1.sub.hostile.test. 3600 IN A 192.0.2.53",
                      "ns1.sub.hostile.test. 3600 IN AAAA 2001:db8::53"])


# Negative answers

def test_nodata_has_the_soa_with_the_negative_ttl(example):
    check(ask(example, "nas.example.test.", "AAAA"), authority=[EXAMPLE_NEGATIVE_SOA])


def test_nxdomain_has_the_soa_with_the_negative_ttl(hostile):
    # RFC 2308 s5: TTL min(3600, MINIMUM 60) = 60.
    check(ask(hostile, "nowhere.hostile.test.", "A"), rcode=NXDOMAIN,
          authority=[HOSTILE_NEGATIVE_SOA])


def test_the_negative_ttl_is_the_soa_ttl_when_that_is_smaller():
    zone = dns.zone.from_text("@ 30 SOA ns hm 1 2 3 4 300\n@ 30 NS ns\nns 30 A 192.0.2.1\n",
                              origin="short.test.", relativize=False)
    result = ask(zone, "missing.short.test.", "A")
    assert result.authority[0].ttl == 30


def test_a_negative_answer_leaves_the_zone_soa_alone(hostile):
    ask(hostile, "nowhere.hostile.test.", "A")
    check(ask(hostile, "hostile.test.", "SOA"),
          answer=[HOSTILE_NEGATIVE_SOA.replace(" 60 IN", " 3600 IN", 1)])


@pytest.mark.parametrize("qname", ["c.hostile.test.", "b.c.hostile.test."])
def test_an_empty_non_terminal_is_nodata_not_nxdomain(hostile, qname):
    check(ask(hostile, qname, "A"), authority=[HOSTILE_NEGATIVE_SOA])


def test_below_an_empty_non_terminal_is_nxdomain(hostile):
    check(ask(hostile, "x.c.hostile.test.", "A"), rcode=NXDOMAIN,
          authority=[HOSTILE_NEGATIVE_SOA])


# Zone cuts

SUB_REFERRAL = {
    "aa": False,
    "authority": ["sub.hostile.test. 3600 IN NS ns1.sub.hostile.test.",
                  "sub.hostile.test. 3600 IN NS ns.elsewhere.invalid."],
    "additional": ["ns1.sub.hostile.test. 3600 IN A 192.0.2.53",
                   "ns1.sub.hostile.test. 3600 IN AAAA 2001:db8::53"],
}


@pytest.mark.parametrize("qname, qtype", [
    ("sub.hostile.test.", "A"),
    ("sub.hostile.test.", "NS"),              # NS at the cut: still a referral
    ("sub.hostile.test.", "ANY"),
    ("host.sub.hostile.test.", "A"),          # below the cut
    ("ns1.sub.hostile.test.", "A"),           # glue is not ours to answer
    ("x.y.sub.hostile.test.", "DS"),          # a DS below the cut too
])
def test_at_or_below_a_cut_is_a_referral(hostile, qname, qtype):
    check(ask(hostile, qname, qtype), **SUB_REFERRAL)


def test_a_referral_brings_addresses_of_servers_named_in_the_parent(hostile):
    check(ask(hostile, "secure.hostile.test.", "A"), aa=False,
          authority=["secure.hostile.test. 3600 IN NS ns1.hostile.test."],
          additional=["ns1.hostile.test. 3600 IN A 192.0.2.1",
                      "ns1.hostile.test. 3600 IN AAAA 2001:db8::1"])


def test_the_ds_at_a_cut_is_answered_by_the_parent(hostile):
    # RFC 4035 s3.1.4.1: DS lives on the parent side of the cut.
    result = ask(hostile, "secure.hostile.test.", "DS")
    assert result.authoritative and result.rcode == NOERROR
    assert lines(result.answer)[0].startswith("secure.hostile.test. 3600 IN DS 12345 13 2 ")
    check(ask(hostile, "sub.hostile.test.", "DS"), authority=[HOSTILE_NEGATIVE_SOA])


def test_the_apex_ns_is_not_a_cut(example):
    check(ask(example, "ns1.example.test.", "A"), answer=["ns1.example.test. 3600 IN A 192.0.2.1"])


# Wildcards (RFC 4592)

def test_a_wildcard_answers_with_the_name_asked(hostile):
    check(ask(hostile, "a.wild.hostile.test.", "A"),
          answer=["a.wild.hostile.test. 3600 IN A 192.0.2.80"])


def test_a_wildcard_matches_several_labels(hostile):
    check(ask(hostile, "a.b.wild.hostile.test.", "TXT"),
          answer=['a.b.wild.hostile.test. 3600 IN TXT "synthesised"'])


def test_a_wildcard_mx_brings_addresses(hostile):
    check(ask(hostile, "a.wild.hostile.test.", "MX"),
          answer=["a.wild.hostile.test. 3600 IN MX 10 mail.hostile.test."],
          additional=["mail.hostile.test. 3600 IN A 192.0.2.25",
                      "mail.hostile.test. 3600 IN AAAA 2001:db8::25"])


def test_a_wildcard_without_the_type_is_nodata(hostile):
    check(ask(hostile, "a.wild.hostile.test.", "AAAA"), authority=[HOSTILE_NEGATIVE_SOA])


def test_a_wildcard_asked_by_its_own_name(hostile):
    check(ask(hostile, "*.wild.hostile.test.", "A"),
          answer=["*.wild.hostile.test. 3600 IN A 192.0.2.80"])


def test_the_zone_keeps_its_wildcard_owner(hostile):
    ask(hostile, "a.wild.hostile.test.", "A")
    assert hostile.get_node("*.wild.hostile.test.") is not None
    assert hostile.get_node("a.wild.hostile.test.") is None


@pytest.mark.parametrize("qname, qtype, why", [
    ("exists.wild.hostile.test.", "TXT", "the name exists: its own records only"),
    ("ent.wild.hostile.test.", "A", "an empty non-terminal exists too"),
    ("star.hostile.test.", "A", "*.star does not match star"),
])
def test_a_wildcard_never_answers_for_a_name_that_exists(hostile, qname, qtype, why):
    check(ask(hostile, qname, qtype), authority=[HOSTILE_NEGATIVE_SOA])


@pytest.mark.parametrize("qname, why", [
    ("x.exists.wild.hostile.test.", "closest encloser exists.wild has no *"),
    ("x.ent.wild.hostile.test.", "closest encloser ent.wild has no *"),
    ("x.*.wild.hostile.test.", "closest encloser *.wild has no * below it"),
])
def test_a_wildcard_is_blocked_below_an_existing_name(hostile, qname, why):
    check(ask(hostile, qname, "A"), rcode=NXDOMAIN, authority=[HOSTILE_NEGATIVE_SOA])


def test_star_x_matches_names_below_x(hostile):
    check(ask(hostile, "x.star.hostile.test.", "A"),
          answer=["x.star.hostile.test. 3600 IN A 192.0.2.83"])


def test_a_wildcard_cname_is_synthesised_and_followed(hostile):
    check(ask(hostile, "foo.alias.hostile.test.", "A"),
          answer=["foo.alias.hostile.test. 3600 IN CNAME mail.hostile.test.",
                  "mail.hostile.test. 3600 IN A 192.0.2.25"])


def test_a_wildcard_cname_loop_ends():
    zone = dns.zone.from_text(
        "$TTL 3600\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
        "*.w CNAME next.w\n",   # every name below w, next.w included, points at next.w
        origin="loop.test.", relativize=False)
    check(ask(zone, "start.w.loop.test.", "A"),
          answer=["start.w.loop.test. 3600 IN CNAME next.w.loop.test.",
                  "next.w.loop.test. 3600 IN CNAME next.w.loop.test."])


# ANY (RFC 8482)

def test_any_gets_one_rrset(hostile):
    # The lowest type number: A (1) before NS, SOA, MX and CAA.
    check(ask(hostile, "hostile.test.", "ANY"), answer=["hostile.test. 3600 IN A 192.0.2.10"])


def test_any_at_a_cname_gets_the_cname_only(hostile):
    check(ask(hostile, "chain1.hostile.test.", "ANY"),
          answer=["chain1.hostile.test. 3600 IN CNAME chain2.hostile.test."])


def test_any_at_a_wildcard_is_synthesised(hostile):
    check(ask(hostile, "q.wild.hostile.test.", "ANY"),
          answer=["q.wild.hostile.test. 3600 IN A 192.0.2.80"])


def test_any_still_brings_addresses(hostile):
    result = ask(hostile, "_sip._tcp.hostile.test.", "ANY")
    assert lines(result.additional) == ["sip.hostile.test. 3600 IN A 192.0.2.50"]


def test_any_at_missing_and_empty_names(hostile):
    check(ask(hostile, "c.hostile.test.", "ANY"), authority=[HOSTILE_NEGATIVE_SOA])
    check(ask(hostile, "nowhere.hostile.test.", "ANY"), rcode=NXDOMAIN,
          authority=[HOSTILE_NEGATIVE_SOA])


# The set of existing names

def test_existing_names_include_empty_non_terminals_and_nothing_else(hostile):
    names = existing_names(hostile)
    for name in ["hostile.test.", "c.hostile.test.", "b.c.hostile.test.", "a.b.c.hostile.test.",
                 "wild.hostile.test.", "ent.wild.hostile.test.", "star.hostile.test.",
                 "_tcp.hostile.test."]:
        assert dns.name.from_text(name) in names, name
    for name in ["test.", "x.c.hostile.test.", "nowhere.hostile.test."]:
        assert dns.name.from_text(name) not in names, name
    assert len(names) == len(hostile.nodes) + len(
        ["c", "b.c", "wild", "ent.wild", "star", "alias", "_tcp", "CaSe"])


def test_the_names_argument_only_saves_time(hostile):
    qname, qtype = dns.name.from_text("x.ent.wild.hostile.test."), dns.rdatatype.A
    assert lookup(hostile, qname, qtype) == lookup(hostile, qname, qtype, existing_names(hostile))
