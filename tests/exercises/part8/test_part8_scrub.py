"""Grading: part 8, exercise 1 (exercises/part8/scrub.py)."""

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset
import pytest

ZONE = dns.name.from_text("evil.test.")


@pytest.fixture
def scrub(exercise):
    return exercise("part8/scrub")


def rrsets(*texts):
    found = []
    for text in texts:
        name, ttl, rdclass, rdtype, data = text.split(maxsplit=4)
        found.append(dns.rrset.from_text(name, int(ttl), rdclass, rdtype, data))
    return found


def names(section):
    return sorted(f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}" for rrset in section)


def poisoned_reply():
    reply = dns.message.make_response(dns.message.make_query("www.evil.test.", "A"))
    reply.flags |= dns.flags.AA
    reply.answer = rrsets("www.evil.test. 60 IN A 192.0.2.66",
                          "www.example.test. 60 IN A 203.0.113.66")
    reply.authority = rrsets("example.test. 60 IN NS ns1.evil.test.",
                             "EVIL.test. 60 IN NS ns1.evil.test.")
    reply.additional = rrsets("ns1.evil.test. 60 IN A 192.0.2.1",
                              "ns1.example.test. 60 IN A 203.0.113.66",
                              "www.evil.test. 60 IN TXT hello")
    return reply


@pytest.mark.parametrize(("name", "zone", "inside"), [
    ("www.evil.test.", "evil.test.", True),
    ("evil.test.", "evil.test.", True),
    ("WWW.Evil.Test.", "evil.test.", True),
    ("notevil.test.", "evil.test.", False),
    ("test.", "evil.test.", False),
    ("anything.", ".", True),
])
def test_in_zone(scrub, name, zone, inside):
    assert scrub.in_zone(dns.name.from_text(name), dns.name.from_text(zone)) is inside


def test_records_of_other_zones_are_dropped(scrub):
    clean = scrub.scrub(poisoned_reply(), ZONE)
    assert names(clean.answer) == ["www.evil.test. A"]
    assert names(clean.authority) == ["EVIL.test. NS"]
    assert names(clean.additional) == ["ns1.evil.test. A"]


def test_the_header_and_question_stay(scrub):
    reply = poisoned_reply()
    reply.set_rcode(dns.rcode.NXDOMAIN)
    clean = scrub.scrub(reply, ZONE)
    assert (clean.id, clean.flags, clean.rcode()) == (reply.id, reply.flags, reply.rcode())
    assert clean.question == reply.question
    assert len(reply.answer) == 2  # the original is left alone



def test_glue_is_kept_only_for_named_servers_inside_the_zone(scrub):
    reply = dns.message.make_response(dns.message.make_query("www.child.test.", "A"))
    reply.authority = rrsets("child.test. 60 IN NS ns1.child.test.",
                             "child.test. 60 IN NS ns.other.")
    reply.additional = rrsets("ns1.child.test. 60 IN A 192.0.2.1",
                              "ns1.child.test. 60 IN AAAA 2001:db8::1",
                              "ns.other. 60 IN A 192.0.2.2",
                              "www.child.test. 60 IN A 192.0.2.3")
    clean = scrub.scrub(reply, dns.name.from_text("test."))
    assert names(clean.additional) == ["ns1.child.test. A", "ns1.child.test. AAAA"]
