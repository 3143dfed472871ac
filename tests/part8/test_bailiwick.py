"""read_reply keeps what the answering server is an authority for, and nothing else."""

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset

from part8_recursive import Kind, read_reply

NAME = dns.name.from_text("www.example.test.")
TEST = dns.name.from_text("test.")


def reply_with(answer=(), authority=(), additional=(), aa=False, rcode=dns.rcode.NOERROR):
    reply = dns.message.make_response(dns.message.make_query(NAME, "A"))
    reply.flags &= ~dns.flags.AA
    if aa:
        reply.flags |= dns.flags.AA
    reply.set_rcode(rcode)
    reply.answer = [dns.rrset.from_text(*r) for r in answer]
    reply.authority = [dns.rrset.from_text(*r) for r in authority]
    reply.additional = [dns.rrset.from_text(*r) for r in additional]
    return reply


def test_glue_is_kept_only_for_the_referrals_servers_inside_the_parent():
    reply = reply_with(
        authority=[("example.test.", 60, "IN", "NS", "ns1.example.test.", "ns.other.")],
        additional=[("ns1.example.test.", 60, "IN", "A", "192.0.2.1"),
                    ("ns.other.", 60, "IN", "A", "192.0.2.2"),  # outside test.
                    ("www.example.test.", 60, "IN", "A", "192.0.2.3")])  # not a server
    reading = read_reply(reply, NAME, dns.rdatatype.A, TEST)
    assert reading.kind is Kind.REFERRAL
    assert [rrset.name.to_text() for rrset in reading.glue] == ["ns1.example.test."]


def test_a_referral_up_or_sideways_is_lame():
    for owner in ("test.", "other.test.", "."):
        reply = reply_with(authority=[(owner, 60, "IN", "NS", "ns1.test.")])
        assert read_reply(reply, NAME, dns.rdatatype.A, TEST).kind is Kind.LAME, owner


def test_answer_records_off_the_chain_or_outside_the_zone_are_dropped():
    example = dns.name.from_text("example.test.")
    reply = reply_with(aa=True, answer=[
        ("www.example.test.", 60, "IN", "CNAME", "web.example.test."),
        ("web.example.test.", 60, "IN", "CNAME", "elsewhere.org."),
        ("elsewhere.org.", 60, "IN", "A", "203.0.113.1"),  # not ours to say
        ("mail.example.test.", 60, "IN", "A", "192.0.2.9"),  # not asked
    ])
    reading = read_reply(reply, NAME, dns.rdatatype.A, example)
    assert reading.kind is Kind.ANSWER
    assert [rrset.name.to_text() for rrset in reading.answer] == [
        "www.example.test.", "web.example.test."]


def test_an_soa_from_another_zone_is_not_a_negative_answer():
    example = dns.name.from_text("example.test.")
    reply = reply_with(rcode=dns.rcode.NXDOMAIN,
                       authority=[("org.", 60, "IN", "SOA", "a. b. 1 2 3 4 5")])
    reading = read_reply(reply, NAME, dns.rdatatype.A, example)
    assert reading.kind is Kind.NXDOMAIN
    assert reading.authority == []


def test_refused_and_servfail_mean_ask_another_server():
    for rcode in (dns.rcode.REFUSED, dns.rcode.SERVFAIL):
        assert read_reply(reply_with(rcode=rcode), NAME, dns.rdatatype.A, TEST).kind is Kind.LAME
