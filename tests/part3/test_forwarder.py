"""The forwarder against a scripted upstream: what it relays, and every way upstreams fail.

Timeouts are shrunk (attempt 0.2 s, total 1 s) so the failure cases stay fast;
the policy is the same as with the defaults (1 s and 4 s).
"""

import asyncio

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import pytest
from dnstest.fake_server import POISON_A, FakeDnsServer, parse_rrs

from part2_server import Busy
from part3_forwarder.forwarder import Forwarder
from part3_forwarder.upstream import Upstream

from .helpers import ask, rrsets

WWW_A = "www.example. 300 IN A 127.0.0.5"
FROM_SECOND = "www.example. 300 IN A 127.0.0.6"


def forwarder(*fakes, **options):
    options.setdefault("attempt_timeout", 0.2)
    options.setdefault("timeout", 1.0)
    return Forwarder([Upstream(f.host, f.port) for f in fakes], **options)


# -- what it relays ------------------------------------------------------------


async def test_relays_the_answer_with_the_clients_id_and_question_case(fake_upstream):
    fake_upstream.answer(
        "www.example.", "A", WWW_A,
        authority=["example. 300 IN NS ns.example."],
        additional=["ns.example. 300 IN A 127.0.0.53"], aa=True,
    )
    query = dns.message.make_query("WwW.ExAmPlE.", "A", id=4242)
    reply = await forwarder(fake_upstream)(query, src=("127.0.0.1", 5), dst=("127.0.0.1", 53))
    assert reply.id == 4242
    assert reply.question[0].name.to_text() == "WwW.ExAmPlE."  # the case as asked
    assert reply.rcode() == dns.rcode.NOERROR
    # (RRsets compare names without case: name compression made the upstream
    # write the owner in the question's case, as real servers do.)
    assert reply.answer == parse_rrs([WWW_A])
    assert reply.authority == parse_rrs(["example. 300 IN NS ns.example."])
    assert reply.additional == parse_rrs(["ns.example. 300 IN A 127.0.0.53"])
    assert reply.flags & dns.flags.RA
    assert not reply.flags & dns.flags.AA  # the upstream's AA is not ours to claim


async def test_nxdomain_is_relayed_with_its_soa(fake_upstream):
    fake_upstream.nxdomain("nope.example.")
    reply = await ask(forwarder(fake_upstream), "nope.example.")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert rrsets(reply) == [
        "example. 300 IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300"
    ]


async def test_upstream_query_has_a_fresh_id(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW_A)
    relay = forwarder(fake_upstream)
    for _ in range(3):
        query = dns.message.make_query("www.example.", "A", id=4242)
        await relay(query, src=("127.0.0.1", 5), dst=("127.0.0.1", 53))
    ids = [received.message.id for received in fake_upstream.queries]
    assert len(ids) == 3
    assert set(ids) != {4242}  # copying the client's ID would make all three 4242


async def test_upstream_query_has_our_own_edns(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW_A)
    relay = forwarder(fake_upstream)
    await ask(relay, use_edns=False)
    nsid = dns.edns.GenericOption(dns.edns.OptionType.NSID, b"")
    await ask(relay, use_edns=0, payload=4096, options=[nsid])
    without_edns, with_edns = (received.message for received in fake_upstream.queries)
    for sent in (without_edns, with_edns):
        assert sent.edns == 0  # RFC 6891: we always speak EDNS upstream...
        assert sent.payload == 1232  # ...with our payload, not the client's
        assert not sent.options  # and the client's options stay on its hop
        assert sent.flags & dns.flags.RD


@pytest.mark.parametrize(("do", "cd"), [(False, False), (True, False), (False, True)])
async def test_do_and_cd_are_copied(fake_upstream, do, cd):
    fake_upstream.answer("www.example.", "A", WWW_A)
    flags = dns.flags.RD | (dns.flags.CD if cd else 0)
    reply = await ask(forwarder(fake_upstream), want_dnssec=do, flags=flags)
    (sent,) = fake_upstream.queries
    assert sent.do == do
    assert sent.cd == cd
    assert bool(reply.flags & dns.flags.CD) == cd  # RFC 4035 s3.1.6


async def test_an_ipv6_upstream():
    async with FakeDnsServer("::1") as fake:
        fake.answer("www.example.", "A", WWW_A)
        reply = await ask(forwarder(fake))
    assert rrsets(reply) == [WWW_A]


# -- failing over: each way an upstream fails sends us to the next one ---------

FAILURES = {
    "timeout": {"delay": 0.5},  # answers, but after our 0.2 s attempt is over
    "drop": {"drop": True},
    "garbage": {"drop": True, "spoof": ["garbage"]},  # only junk ever arrives
    "wrong question": {"drop": True, "spoof": ["question"]},
    "wrong id": {"drop": True, "spoof": ["id"]},
    "wrong source": {"drop": True, "spoof": ["source"]},
}


@pytest.mark.parametrize("failure", FAILURES)
async def test_a_silent_or_lying_upstream_is_skipped(fake_upstream, second_upstream, failure):
    fake_upstream.answer("www.example.", "A", WWW_A, **FAILURES[failure])
    second_upstream.answer("www.example.", "A", FROM_SECOND)
    reply = await ask(forwarder(fake_upstream, second_upstream, timeout=0.35))
    assert reply.rcode() == dns.rcode.NOERROR
    assert rrsets(reply) == [FROM_SECOND]
    assert len(fake_upstream.queries) == 1  # it was asked first


@pytest.mark.parametrize("rcode", ["SERVFAIL", "REFUSED", "FORMERR", "NOTIMP"])
async def test_an_upstream_that_cannot_answer_is_skipped(fake_upstream, second_upstream, rcode):
    fake_upstream.rcode("www.example.", "A", rcode)
    second_upstream.answer("www.example.", "A", FROM_SECOND)
    reply = await ask(forwarder(fake_upstream, second_upstream))
    assert rrsets(reply) == [FROM_SECOND]
    assert len(fake_upstream.queries) == 1


async def test_an_upstream_nobody_listens_on_is_skipped(second_upstream):
    second_upstream.answer("www.example.", "A", FROM_SECOND)
    async with FakeDnsServer() as gone:
        closed = Upstream(gone.host, gone.port)
    relay = Forwarder([closed, Upstream(second_upstream.host, second_upstream.port)],
                      attempt_timeout=0.2, timeout=1.0)
    assert rrsets(await ask(relay)) == [FROM_SECOND]


async def test_spoofed_replies_sent_first_do_not_win(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW_A, spoof=["id", "question", "source"])
    reply = await ask(forwarder(fake_upstream))
    assert rrsets(reply) == [WWW_A]
    assert POISON_A not in str(reply)
    assert len(fake_upstream.queries) == 1  # and no retry was needed


async def test_a_truncated_reply_is_asked_again_over_tcp(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW_A, truncate=True)
    reply = await ask(forwarder(fake_upstream))
    assert rrsets(reply) == [WWW_A]
    assert not reply.flags & dns.flags.TC
    assert [q.transport for q in fake_upstream.queries] == ["udp", "tcp"]


async def test_truncated_and_tcp_refused_goes_to_the_next(second_upstream):
    second_upstream.answer("www.example.", "A", FROM_SECOND)
    async with FakeDnsServer(tcp="refuse") as udp_only:
        udp_only.answer("www.example.", "A", WWW_A, truncate=True)
        reply = await ask(forwarder(udp_only, second_upstream))
    assert rrsets(reply) == [FROM_SECOND]


async def test_a_silent_upstream_gets_another_turn_while_time_remains(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW_A, drop=1)  # loses the first query only
    reply = await ask(forwarder(fake_upstream))
    assert rrsets(reply) == [WWW_A]
    assert len(fake_upstream.queries) == 2


async def test_an_upstream_that_said_servfail_is_not_asked_again(fake_upstream):
    fake_upstream.rcode("www.example.", "A", "SERVFAIL")
    reply = await ask(forwarder(fake_upstream))
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert len(fake_upstream.queries) == 1  # SERVFAIL is an answer: asking again won't help


# -- when everything fails ------------------------------------------------------


async def test_all_upstreams_dead_is_servfail_within_the_bound(fake_upstream, second_upstream):
    fake_upstream.answer("www.example.", "A", WWW_A, drop=True)
    second_upstream.answer("www.example.", "A", WWW_A, drop=True)
    relay = forwarder(fake_upstream, second_upstream, attempt_timeout=0.2, timeout=0.7)
    loop = asyncio.get_running_loop()
    started = loop.time()
    reply = await ask(relay)
    elapsed = loop.time() - started
    assert reply.rcode() == dns.rcode.SERVFAIL  # not NXDOMAIN, not silence
    assert reply.answer == []
    # The bound is the total timeout; the slack only absorbs a slow test machine.
    assert 0.6 <= elapsed < 0.7 + 0.3
    # Both were asked, then asked again while time remained.
    assert len(fake_upstream.queries) >= 2
    assert len(second_upstream.queries) >= 1


async def test_beyond_the_cap_at_once_busy(fake_upstream):
    fake_upstream.answer("www.example.", "A", WWW_A, delay=0.3)
    relay = forwarder(fake_upstream, attempt_timeout=1.0, max_in_flight=2)
    waiting = [asyncio.create_task(ask(relay)) for _ in range(2)]
    while len(fake_upstream.queries) < 2:  # both are now waiting upstream
        await asyncio.sleep(0.01)
    assert relay.in_flight == 2
    with pytest.raises(Busy):  # the server makes it a SERVFAIL that nothing caches
        await ask(relay)
    assert not any(task.done() for task in waiting)  # it did not wait for them
    assert len(fake_upstream.queries) == 2  # and sent nothing upstream
    for reply in await asyncio.gather(*waiting):
        assert rrsets(reply) == [WWW_A]
    assert relay.in_flight == 0
    assert rrsets(await ask(relay)) == [WWW_A]  # room again


# -- setting aside an upstream that keeps failing --------------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


async def test_a_failing_upstream_is_set_aside_then_tried_again(fake_upstream, second_upstream):
    fake_upstream.answer("www.example.", "A", WWW_A, drop=True)
    second_upstream.answer("www.example.", "A", FROM_SECOND)
    clock = Clock()
    relay = forwarder(fake_upstream, second_upstream, max_failures=2, rest=30, clock=clock)
    for _ in range(2):
        assert rrsets(await ask(relay)) == [FROM_SECOND]
    assert len(fake_upstream.queries) == 2
    # Two failures in a row: the first upstream rests, so nobody waits for it.
    assert rrsets(await ask(relay)) == [FROM_SECOND]
    assert len(fake_upstream.queries) == 2
    clock.now += 29
    await ask(relay)
    assert len(fake_upstream.queries) == 2
    # The rest is over: it is asked first again, and now it has recovered.
    clock.now += 2
    fake_upstream.answer("www.example.", "A", WWW_A)
    assert rrsets(await ask(relay)) == [WWW_A]
    assert len(fake_upstream.queries) == 3
    assert not relay.health.is_resting(relay.upstreams[0])
