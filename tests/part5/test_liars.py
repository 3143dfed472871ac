"""Each lying resolver, asked directly: it tells its lie, and only that lie.

The upstream is part 2 serving example.test. and invalid. (no lab needed);
each liar is part 4 around it, with one lie of the gallery.
"""

import asyncio

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from part3_forwarder import Upstream
from part5_checkup import LIES, lying_resolver
from part5_checkup.lies import AD_SERVER, HOLD_SECONDS

ANSWER = 3.0  # seconds an answer may take (the test machine may be busy)
SILENCE = 0.5  # seconds of silence that mean "dropped"


@pytest.fixture
def upstream(authority):
    return Upstream(authority.host, authority.port)


async def ask(address, name, rdtype="A", *, edns=False, tcp=False, timeout=ANSWER):
    query = dns.message.make_query(name, rdtype, use_edns=0 if edns else False)
    if tcp:
        return await dns.asyncquery.tcp(query, address[0], port=address[1], timeout=timeout)
    return await dns.asyncquery.udp(query, address[0], port=address[1], timeout=timeout)


def addresses(reply, rdtype="A"):
    return sorted(rdata.to_text() for rrset in reply.answer if rrset.rdtype ==
                  dns.rdatatype.from_text(rdtype) for rdata in rrset)


async def test_nxdomain_rewrite_turns_no_such_name_into_an_ad_server(upstream):
    async with lying_resolver(LIES["nxdomain-rewrite"], upstream) as liar:
        reply = await ask(liar, "nope.example.test.")
        assert reply.rcode() == dns.rcode.NOERROR
        assert addresses(reply) == [AD_SERVER]
        # names that exist are left alone
        assert addresses(await ask(liar, "ns2.example.test.")) == ["192.0.2.2"]


async def test_hold_30_minutes_serves_every_answer_with_ttl_1800(upstream):
    async with lying_resolver(LIES["hold-30-minutes"], upstream) as liar:
        reply = await ask(liar, "ns2.example.test.")
        assert reply.answer[0].ttl == HOLD_SECONDS  # the zone says 3600


@pytest.mark.parametrize("lie", ["edns-drop", "edns-formerr"])
async def test_edns_gateways_choke_on_opt_only(upstream, lie):
    async with lying_resolver(LIES[lie], upstream) as liar:
        assert addresses(await ask(liar, "ns2.example.test.")) == ["192.0.2.2"]
        if lie == "edns-drop":
            with pytest.raises(dns.exception.Timeout):
                await ask(liar, "ns2.example.test.", edns=True, timeout=SILENCE)
        else:
            reply = await ask(liar, "ns2.example.test.", edns=True)
            assert reply.rcode() == dns.rcode.FORMERR


async def test_no_tcp_answers_udp_and_hangs_up_on_tcp(upstream):
    async with lying_resolver(LIES["no-tcp"], upstream) as liar:
        assert addresses(await ask(liar, "ns2.example.test.")) == ["192.0.2.2"]
        with pytest.raises((EOFError, ConnectionError)):
            await ask(liar, "ns2.example.test.", tcp=True)


async def test_drop_unknown_types_drops_them_and_answers_the_rest(upstream):
    async with lying_resolver(LIES["drop-unknown-types"], upstream) as liar:
        assert (await ask(liar, "example.test.", "TXT")).rcode() == dns.rcode.NOERROR
        for rdtype in ("TYPE65400", "HTTPS", "DNSKEY"):
            with pytest.raises(dns.exception.Timeout):
                await ask(liar, "example.test.", rdtype, timeout=SILENCE)


async def test_strip_aaaa_removes_ipv6_addresses(upstream):
    async with lying_resolver(LIES["strip-aaaa"], upstream) as liar:
        reply = await ask(liar, "ns1.example.test.", "AAAA")
        assert reply.rcode() == dns.rcode.NOERROR and reply.answer == []
        assert addresses(await ask(liar, "ns1.example.test.")) == ["192.0.2.1"]


async def test_intercept_answers_on_an_address_it_was_not_given(upstream):
    async with lying_resolver(LIES["intercept"], upstream, intercept="127.0.0.9") as liar:
        elsewhere = ("127.0.0.9", liar[1])
        assert addresses(await ask(elsewhere, "ns2.example.test.")) == ["192.0.2.2"]
        assert addresses(await ask(liar, "ns2.example.test.")) == ["192.0.2.2"]


async def test_intercept_needs_an_address():
    with pytest.raises(ValueError, match="address"):
        async with lying_resolver(LIES["intercept"], Upstream("127.0.0.1", 9)):
            pass


@pytest.mark.parametrize("lie", sorted(set(LIES) - {"intercept"}))
async def test_only_the_intercept_liar_answers_elsewhere(upstream, lie):
    async with lying_resolver(LIES[lie], upstream, intercept="127.0.0.9") as liar:
        with pytest.raises((dns.exception.Timeout, ConnectionError, OSError)):
            await ask(("127.0.0.9", liar[1]), "ns2.example.test.", timeout=SILENCE)


def test_the_liar_command_names_every_lie(capsys):
    from part5_checkup.liar import main
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name in LIES:
        assert name in out


def test_the_intercept_lie_without_an_address_is_a_usage_error(capsys):
    from part5_checkup.liar import main
    with pytest.raises(SystemExit) as stop:
        main(["--lie", "intercept", "--upstream", "127.0.0.1:9"])
    assert stop.value.code == 2
    assert "--intercept" in capsys.readouterr().err


async def test_a_swallowed_query_does_not_stop_the_server_from_stopping(upstream):
    async with lying_resolver(LIES["edns-drop"], upstream) as liar:
        task = asyncio.ensure_future(
            ask(liar, "ns2.example.test.", edns=True, timeout=SILENCE))
        await asyncio.sleep(0.05)
    with pytest.raises(dns.exception.Timeout):
        await task
