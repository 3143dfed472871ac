"""Part 8's answers equal unbound's, both walking from the same root hints.

Over a list of names across the world's tree (the lab's zones plus part 8's
extra ones, see world.py), each resolver starts with an empty cache and
answers every name; their rcodes and answer RRsets (TTLs aside) must be the
same. The queries each sends to the authorities for the whole list are
counted at the servers and printed (pytest -s shows them). unbound is
started by dnstest.peers.unbound_recursive (the settings it needs on a
loopback lab are explained there).
"""

import asyncio

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from dnstest.peers import unbound_recursive

from part8_recursive import RecursiveResolver, load_root_hints

CASES = [
    ("www.example.test.", "A"),  # a delegation with glue, a CNAME inside the zone
    ("mail.example.test.", "AAAA"),
    ("example.test.", "MX"),
    ("www.glueless.test.", "A"),  # a delegation without glue
    ("out.hostile.test.", "A"),  # a CNAME into another zone
    ("c5.flaky.test.", "A"),  # five CNAMEs back and forth between two zones
    ("anything.wild.hostile.test.", "A"),  # wildcards
    ("anything.wild.hostile.test.", "TXT"),
    ("x.alias.hostile.test.", "A"),  # a wildcard CNAME
    ("nope.example.test.", "A"),  # NXDOMAIN
    ("gone.hostile.test.", "A"),  # a CNAME to a name that does not exist
    ("mail.example.test.", "TXT"),  # NODATA
    ("c.hostile.test.", "A"),  # an empty non-terminal: NODATA
    ("www.lame.test.", "A"),  # a lame delegation: the server says REFUSED
    ("www.secure.hostile.test.", "A"),  # a lame delegation: the server refers to itself
    ("www.flaky.test.", "A"),  # one server times out, the other answers
    ("www.sub.hostile.test.", "A"),  # a zone whose servers all fail
    ("www.evil.test.", "A"),  # an authority that adds out-of-bailiwick records
    ("ping.flaky.test.", "A"),  # a CNAME loop across zones
    ("www.cycle-a.test.", "A"),  # name servers named in each other, no glue
    ("secure.hostile.test.", "DS"),  # asked of the parent
    ("txt.probe.test.", "TXT"),
]


# Where part 8 and unbound disagree on purpose, and why.
KNOWN_DIFFERENCES = {
    # ns1.hostile.test, named as a server of secure.hostile.test, answers
    # with a referral to secure.hostile.test itself. Part 8 calls that server
    # lame (RFC 1034 s5.3.3: it does not serve the zone it is named for) and,
    # with no other server, says SERVFAIL, as BIND does. unbound ignores an
    # NS set at or above the zone it asked (iter_resptype.c) and reads what is
    # left, an empty reply, as NODATA.
    ("www.secure.hostile.test.", "A"): (("SERVFAIL", []), ("NOERROR", [])),
}


def outcome(reply):
    """What must match: the rcode, and the answer RRsets without TTLs."""
    answer = sorted(f"{rrset.name.to_text().lower()} {dns.rdatatype.to_text(rrset.rdtype)} "
                    f"{sorted(rdata.to_text() for rdata in rrset)}" for rrset in reply.answer
                    if rrset.rdtype != dns.rdatatype.RRSIG)
    return dns.rcode.to_text(reply.rcode()), answer


def part8_outcomes(world):
    resolver = RecursiveResolver(load_root_hints(world.root_hints), port=world.port)

    async def ask_all():
        replies = []
        for name, rdtype in CASES:
            query = dns.message.make_query(name, rdtype)
            replies.append(await resolver(query, src=("127.0.0.1", 0), dst=("127.0.0.1", 0)))
        return replies

    return [outcome(reply) for reply in asyncio.run(ask_all())]


def unbound_outcomes(host, port):
    outcomes = []
    for name, rdtype in CASES:
        reply = dns.query.udp(dns.message.make_query(name, rdtype), host, port=port, timeout=15)
        outcomes.append(outcome(reply))
    return outcomes


def test_answers_equal_unbounds(world, tmp_path, record_property):
    if world.port != 53:
        pytest.skip("unbound follows referrals to port 53 only: run in `make test`'s namespace")
    before = world.total()
    ours = part8_outcomes(world)
    ours_sent = world.total() - before
    with unbound_recursive(world.root_hints, tmp_path) as (host, port):
        before = world.total()
        theirs = unbound_outcomes(host, port)
        unbound_sent = world.total() - before
    print(f"\nqueries to the authorities for {len(CASES)} names: "
          f"part 8 {ours_sent}, unbound {unbound_sent}")
    record_property("queries_part8", ours_sent)
    record_property("queries_unbound", unbound_sent)
    differences = {case: (mine, its) for case, mine, its in zip(CASES, ours, theirs, strict=True)
                   if mine != its}
    assert differences == KNOWN_DIFFERENCES
    assert 0 < ours_sent and 0 < unbound_sent
