"""Part 8 walks the tree: referrals, glue, CNAMEs, negative answers, failures, limits."""

import time

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from dnstest.clock import FakeClock

from part4_cache import Cache
from part8_recursive import Limits, RecursiveResolver, load_root_hints

from .world import DEAD, EVIL, FLAKY, POISON

SRC = ("127.0.0.1", 5300)


async def ask(resolver, name, rdtype="A", *, dnssec=False):
    query = dns.message.make_query(name, rdtype, want_dnssec=dnssec)
    return await resolver(query, src=SRC, dst=("127.0.0.1", 8053))


def records(reply):
    """The answer as sorted text lines, TTLs left out."""
    return sorted(f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} {rdata}"
                  for rrset in reply.answer for rdata in rrset)


def sent(world, before):
    """How many queries the authorities received since `before`."""
    return world.total() - before


async def test_follows_referrals_with_glue_from_the_root(world, resolver):
    before = world.total()
    reply = await ask(resolver, "www.example.test.")
    assert reply.rcode() == dns.rcode.NOERROR
    assert records(reply) == ["example.test. A 192.0.2.10",
                              "www.example.test. CNAME example.test."]
    assert reply.flags & dns.flags.RA
    assert sent(world, before) == 3  # the root, test., example.test.


async def test_a_second_name_under_a_known_zone_costs_one_query(world, resolver):
    await ask(resolver, "www.example.test.")
    before = world.total()
    reply = await ask(resolver, "mail.example.test.", "AAAA")
    assert records(reply) == ["mail.example.test. AAAA 2001:db8::25"]
    assert sent(world, before) == 1


async def test_looks_up_a_name_server_that_came_without_glue(world, resolver):
    reply = await ask(resolver, "www.glueless.test.")
    assert records(reply) == ["www.glueless.test. A 192.0.2.91"]
    asked_glueless_ns = [name for _, name, _ in world.seen if name == "glueless-ns.example.test."]
    assert asked_glueless_ns


async def test_chases_a_cname_into_another_zone(resolver):
    reply = await ask(resolver, "out.hostile.test.")
    assert records(reply) == ["example.test. A 192.0.2.10",
                              "out.hostile.test. CNAME www.example.test.",
                              "www.example.test. CNAME example.test."]


async def test_a_chain_of_five_hops_across_zones_is_followed(resolver):
    reply = await ask(resolver, "c5.flaky.test.")
    assert reply.rcode() == dns.rcode.NOERROR
    assert records(reply)[0] == "c10.far.test. A 192.0.2.110"
    assert len(reply.answer) == 6


async def test_a_chain_longer_than_the_limit_is_servfail(resolver):
    reply = await ask(resolver, "c1.flaky.test.")  # nine hops: unbound's limit is 8
    assert reply.rcode() == dns.rcode.SERVFAIL


async def test_a_cname_loop_across_zones_is_servfail(resolver):
    reply = await ask(resolver, "ping.flaky.test.")
    assert reply.rcode() == dns.rcode.SERVFAIL


async def test_nxdomain_comes_with_the_zones_soa(resolver):
    reply = await ask(resolver, "nope.example.test.")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert reply.answer == []
    assert [rrset.rdtype for rrset in reply.authority] == [dns.rdatatype.SOA]
    assert reply.authority[0].name == dns.name.from_text("example.test.")


async def test_nodata_and_an_empty_non_terminal_are_not_nxdomain(resolver):
    for name, rdtype in (("mail.example.test.", "TXT"), ("c.hostile.test.", "A")):
        reply = await ask(resolver, name, rdtype)
        assert reply.rcode() == dns.rcode.NOERROR, name
        assert reply.answer == []
        assert [rrset.rdtype for rrset in reply.authority] == [dns.rdatatype.SOA]


async def test_a_wildcard_answers_under_an_empty_non_terminal(resolver):
    reply = await ask(resolver, "anything.wild.hostile.test.")
    assert records(reply) == ["anything.wild.hostile.test. A 192.0.2.80"]


@pytest.mark.parametrize("name", [
    "www.secure.hostile.test.",  # ns1.hostile.test only refers back to itself
    "www.lame.test.",  # far.test's server, named for lame.test, says REFUSED
])
async def test_a_lame_delegation_is_servfail(resolver, name):
    reply = await ask(resolver, name)
    assert reply.rcode() == dns.rcode.SERVFAIL


async def test_a_zone_whose_servers_all_fail_is_servfail_within_the_time_bound(world):
    resolver = RecursiveResolver(load_root_hints(world.root_hints), port=world.port,
                                 timeout=2.0)
    started = time.monotonic()
    reply = await ask(resolver, "www.sub.hostile.test.")  # one dead, one that does not exist
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert time.monotonic() - started < 2.5


async def test_name_servers_named_in_each_other_are_servfail(resolver):
    reply = await ask(resolver, "www.cycle-a.test.")
    assert reply.rcode() == dns.rcode.SERVFAIL


async def test_fails_over_on_a_timeout_and_asks_the_fast_server_first_next_time(world, resolver):
    reply = await ask(resolver, "www.flaky.test.")
    assert records(reply) == ["www.flaky.test. A 192.0.2.100"]
    if DEAD in resolver.times.rtt:  # the dead one came first (a coin toss)
        assert resolver.times.rtt[DEAD] > resolver.times.rtt[FLAKY]
    started = time.monotonic()
    await ask(resolver, "nope.flaky.test.")
    assert time.monotonic() - started < 0.3  # no timeout: the live server first


async def test_chooses_the_server_with_the_smallest_round_trip_time(world, resolver):
    await ask(resolver, "www.example.test.")
    resolver.times.rtt.update({"127.0.0.4": 0.200, "127.0.0.5": 0.001})
    before = dict(world.counts)
    await ask(resolver, "mail.example.test.")
    assert world.counts["127.0.0.5"] == before.get("127.0.0.5", 0) + 1
    assert world.counts["127.0.0.4"] == before.get("127.0.0.4", 0)


async def test_out_of_bailiwick_records_are_ignored_and_never_cached(world, resolver):
    # evil.test's server adds www.example.test A, example.test NS and
    # ns1.example.test A (all 203.0.113.66) to every answer.
    reply = await ask(resolver, "www.evil.test.")
    assert records(reply) == ["www.evil.test. A 192.0.2.66"]
    assert resolver.records.addresses(dns.name.from_text("ns1.example.test.")) == []
    assert resolver.records.closest(dns.name.from_text("www.example.test.")).zone \
        == dns.name.from_text("test.")
    before = world.counts["127.0.0.4"] + world.counts["127.0.0.5"]
    reply = await ask(resolver, "www.example.test.")
    assert POISON not in str(reply)
    assert "192.0.2.10" in str(reply)
    assert world.counts["127.0.0.4"] + world.counts["127.0.0.5"] == before + 1
    assert world.counts[EVIL] >= 1


async def test_qname_minimisation_shows_each_server_one_label_more(world, resolver):
    start = len(world.seen)
    await ask(resolver, "www.example.test.")
    assert world.seen[start:] == [
        ("127.0.0.2", "test.", "A"),
        ("127.0.0.3", "example.test.", "A"),
        (world.seen[start + 2][0], "www.example.test.", "A"),
    ]


async def test_without_qname_minimisation_every_server_sees_the_whole_name(world):
    resolver = RecursiveResolver(load_root_hints(world.root_hints), port=world.port,
                                 qname_minimisation=False)
    start = len(world.seen)
    await ask(resolver, "www.example.test.", "AAAA")
    assert [(name, rdtype) for _, name, rdtype in world.seen[start:]] == [
        ("www.example.test.", "AAAA")] * 3


def _facts(reply):
    facts = {}
    for rrset in reply.answer:
        for rdata in rrset:
            key, _, value = b"".join(rdata.strings).decode().partition("=")
            facts[key] = value
    return facts


async def test_every_query_has_a_random_id_and_source_port(resolver):
    seen = [_facts(await ask(resolver, f"n{i}.whoami.probe.test.", "TXT")) for i in range(20)]
    ids = {facts["id"] for facts in seen}
    ports = {facts["port"] for facts in seen}
    assert len(ids) >= 18 and len(ports) >= 18
    assert all(facts["qname"] == f"n{i}.whoami.probe.test." for i, facts in enumerate(seen))


async def test_0x20_mixes_the_case_of_the_names_sent(world):
    resolver = RecursiveResolver(load_root_hints(world.root_hints), port=world.port,
                                 randomise_case=True)
    names = [_facts(await ask(resolver, f"case{i}.whoami.probe.test.", "TXT"))["qname"]
             for i in range(8)]
    assert all(name.lower() == f"case{i}.whoami.probe.test." for i, name in enumerate(names))
    assert any(name != name.lower() for name in names)


async def test_a_ds_record_is_asked_of_the_parent(resolver):
    reply = await ask(resolver, "secure.hostile.test.", "DS")
    assert reply.rcode() == dns.rcode.NOERROR
    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.DS]


async def test_the_query_limit_ends_a_question_with_servfail(world):
    resolver = RecursiveResolver(load_root_hints(world.root_hints), port=world.port,
                                 limits=Limits(queries=2))
    before = world.total()
    reply = await ask(resolver, "www.example.test.")  # needs three queries
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert sent(world, before) == 2


@pytest.mark.parametrize("rdtype", ["AXFR", "IXFR"])
async def test_zone_transfers_are_refused(resolver, rdtype):
    reply = await ask(resolver, "example.test.", rdtype)
    assert reply.rcode() == dns.rcode.REFUSED


async def test_another_class_is_refused(world, resolver):
    before = world.total()
    query = dns.message.make_query("version.bind.", "TXT", "CH")
    reply = await resolver(query, src=SRC, dst=("127.0.0.1", 8053))
    assert reply.rcode() == dns.rcode.REFUSED
    assert world.total() == before


async def test_too_many_questions_at_once_are_servfail_at_once(world, resolver):
    resolver.max_in_flight = 0
    before = world.total()
    assert (await ask(resolver, "www.example.test.")).rcode() == dns.rcode.SERVFAIL
    assert world.total() == before


async def test_a_truncated_reply_is_asked_again_over_tcp(resolver):
    reply = await ask(resolver, "big.probe.test.", "TXT")
    assert reply.rcode() == dns.rcode.NOERROR
    assert len(reply.to_wire()) > 1232


async def test_a_name_known_to_exist_is_not_asked_again_minimised(world, resolver):
    # wild.hostile.test is an empty non-terminal: asked once, then remembered.
    await ask(resolver, "one.wild.hostile.test.")
    start = len(world.seen)
    reply = await ask(resolver, "two.wild.hostile.test.")
    assert records(reply) == ["two.wild.hostile.test. A 192.0.2.80"]
    assert [name for _, name, _ in world.seen[start:]] == ["two.wild.hostile.test."]


async def test_a_client_that_wants_dnssec_gets_do_1_sent_to_the_authorities(resolver):
    # What part 7's validator in front will need: DO=1 all the way down.
    with_do = _facts(await ask(resolver, "do1.whoami.probe.test.", "TXT", dnssec=True))
    without = _facts(await ask(resolver, "do0.whoami.probe.test.", "TXT"))
    assert (with_do["do"], without["do"]) == ("1", "0")
    assert with_do["edns"] == "0" and with_do["payload"] == "1232"


async def test_delegations_are_kept_for_their_ttl_and_no_longer(world):
    clock = FakeClock()
    resolver = RecursiveResolver(load_root_hints(world.root_hints), port=world.port,
                                 cache=Cache(clock=clock))
    await ask(resolver, "www.example.test.")
    clock.advance(86_399)  # test. and example.test. are delegated with TTL 86400
    before = world.total()
    await ask(resolver, "mail.example.test.")
    assert sent(world, before) == 1
    clock.advance(2)
    before = world.total()
    await ask(resolver, "nas.example.test.")
    assert sent(world, before) == 3  # from the root again


async def test_name_servers_without_glue_beyond_the_depth_limit_are_not_looked_up(world):
    resolver = RecursiveResolver(load_root_hints(world.root_hints), port=world.port,
                                 limits=Limits(depth=0))
    reply = await ask(resolver, "www.glueless.test.")
    assert reply.rcode() == dns.rcode.SERVFAIL


async def test_the_time_bound_cuts_a_slow_walk_short(world):
    resolver = RecursiveResolver(load_root_hints(world.root_hints), port=world.port,
                                 timeout=0.5)
    started = time.monotonic()
    reply = await ask(resolver, "www.sub.hostile.test.")  # waits 1.2 s for a dead server
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert time.monotonic() - started < 0.9
