"""Local-zone policies: static answers everything under the zone, transparent lets gaps through.

The zone is zones/example.test.zone; behind it, a forwarder to a scripted
upstream that has its own idea of example.test, so each reply shows who answered.
"""

from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import pytest
from dnstest.fake_server import parse_rrs

from part2_server.authority import ZoneProcessor
from part2_server.zones import load_zone
from part3_forwarder.compose import compose
from part3_forwarder.forwarder import Forwarder
from part3_forwarder.policy import has_no_data, transparent, with_policy
from part3_forwarder.upstream import Upstream

from .helpers import ask, rrsets

ZONE_FILE = Path(__file__).parents[2] / "zones" / "example.test.zone"
UPSTREAM_RECORDS = [
    "nope.example.test. 60 IN A 127.0.0.77",  # a name our zone does not have
    "mail.example.test. 60 IN TXT \"upstream\"",  # a type our zone does not have
    "x.lab.example.test. 60 IN A 127.0.0.78",  # below our zone's delegation
    "www.example.com. 60 IN A 127.0.0.79",  # outside our zone
]


@pytest.fixture
def zone():
    return ZoneProcessor([load_zone(ZONE_FILE)])


@pytest.fixture
def upstream(fake_upstream):
    fake_upstream.records(*UPSTREAM_RECORDS)
    return fake_upstream


def resolver(zone, upstream, policy):
    forwarder = Forwarder([Upstream(upstream.host, upstream.port)], attempt_timeout=0.5)
    return compose(with_policy(zone, policy), forwarder)


@pytest.mark.parametrize("policy", ["static", "transparent"])
async def test_zone_names_are_answered_locally_under_both_policies(zone, upstream, policy):
    reply = await ask(resolver(zone, upstream, policy), "nas.example.test.")
    assert rrsets(reply) == ["nas.example.test. 300 IN A 192.0.2.30"]
    assert reply.flags & dns.flags.AA
    assert upstream.queries == []


@pytest.mark.parametrize("policy", ["static", "transparent"])
async def test_names_outside_the_zone_are_forwarded_under_both_policies(zone, upstream, policy):
    reply = await ask(resolver(zone, upstream, policy), "www.example.com.")
    assert rrsets(reply) == ["www.example.com. 60 IN A 127.0.0.79"]
    assert len(upstream.queries) == 1


# What a gap in the zone becomes: (name, type, static's answer, what transparent forwards to)
GAPS = [
    ("nope.example.test.", "A", dns.rcode.NXDOMAIN, "nope.example.test. 60 IN A 127.0.0.77"),
    ("mail.example.test.", "TXT", dns.rcode.NOERROR, 'mail.example.test. 60 IN TXT "upstream"'),
    ("x.lab.example.test.", "A", dns.rcode.NOERROR, "x.lab.example.test. 60 IN A 127.0.0.78"),
]


@pytest.mark.parametrize(("name", "rdtype", "rcode", "_"), GAPS)
async def test_static_answers_the_gaps_itself(zone, upstream, name, rdtype, rcode, _):
    reply = await ask(resolver(zone, upstream, "static"), name, rdtype)
    assert reply.rcode() == rcode
    assert reply.answer == []  # NXDOMAIN, NODATA, or the referral to lab's servers
    assert upstream.queries == []


@pytest.mark.parametrize(("name", "rdtype", "_", "forwarded"), GAPS)
async def test_transparent_forwards_the_gaps(zone, upstream, name, rdtype, _, forwarded):
    reply = await ask(resolver(zone, upstream, "transparent"), name, rdtype)
    assert reply.rcode() == dns.rcode.NOERROR
    assert rrsets(reply) == [forwarded]
    assert len(upstream.queries) == 1


async def test_transparent_keeps_a_local_cname(zone, upstream):
    # www is a CNAME in our zone: an answer section with data in it is the
    # zone's own word on the name, so it stands.
    reply = await ask(resolver(zone, upstream, "transparent"), "www.example.test.", "A")
    assert rrsets(reply)[0] == "www.example.test. 3600 IN CNAME example.test."
    assert upstream.queries == []


async def test_transparent_passes_none_through():
    async def nothing(query, *, src, dst):
        pass

    assert await ask(transparent(nothing)) is None


def test_unknown_policy_is_refused(zone):
    with pytest.raises(ValueError, match="unknown local-zone policy 'deny'"):
        with_policy(zone, "deny")


@pytest.mark.parametrize(
    ("rcode", "answer", "expected"),
    [
        (dns.rcode.NXDOMAIN, [], True),
        (dns.rcode.NOERROR, [], True),
        (dns.rcode.NOERROR, ["a.example. 60 IN A 127.0.0.1"], False),
        (dns.rcode.NXDOMAIN, ["a.example. 60 IN CNAME gone.example."], False),
        (dns.rcode.REFUSED, [], False),  # a refusal (a zone transfer, say) stands
        (dns.rcode.SERVFAIL, [], False),
    ],
)
def test_has_no_data(rcode, answer, expected):
    reply = dns.message.make_response(dns.message.make_query("a.example.", "A"))
    reply.set_rcode(rcode)
    reply.answer = parse_rrs(answer)
    assert has_no_data(reply) is expected
