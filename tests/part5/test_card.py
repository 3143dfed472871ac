"""The report card without the lab: the checks that need no probe, the grades,
the exit codes, the JSON, and a check failing for each reason it can fail."""

import json
import subprocess
import sys

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset
import pytest
from dnstest.peers import free_port
from dnstest.threads import serving_in_thread

from part2_server import DnsServer, ZoneProcessor, load_zones
from part3_forwarder import Upstream
from part5_checkup import (
    EXIT_FAILED,
    EXIT_NO_ANSWER,
    EXIT_OK,
    EXIT_USAGE,
    LIES,
    Context,
    as_json,
    as_text,
    checks,
    exit_code,
    honest_resolver,
    lying_resolver,
    run_card,
    spread_grade,
)
from part5_checkup.lies import AD_SERVER

LAB_ONLY = {"ttl", "large", "types", "randomness"}
TIMEOUT = 3.0  # seconds an answer may take: everything is on loopback, but the machine is shared


@pytest.fixture
async def honest(authority):
    """Part 4 in front of part 2 (example.test. and invalid.): no probe anywhere."""
    async with DnsServer(honest_resolver(Upstream(authority.host, authority.port))) as server:
        await server.start("127.0.0.1", 0)
        yield server.host, server.port


def by_name(card):
    return {each.name: result for each, result in card.results}


async def test_an_honest_resolver_without_the_lab(honest):
    card = await run_card(honest, timeout=TIMEOUT, unused_address="127.0.0.9")
    results = by_name(card)
    assert card.answered and not card.lab
    assert exit_code(card) == EXIT_OK
    for name in LAB_ONLY:
        assert results[name].grade.value == "WARN"
        assert results[name].evidence == "needs the lab"
    for name in ("nxdomain", "tcp", "case", "interception"):
        assert results[name].grade.value == "PASS", (name, results[name].evidence)
    assert "under invalid." in results["nxdomain"].evidence  # RFC 6761 names, off the lab
    assert results["edns"].grade.value == "WARN"  # OPT came back; the upstream leg is unseen
    assert results["edns"].evidence.startswith("OPT comes back")
    assert results["dnssec"].evidence.startswith("not tested")


async def test_nxdomain_rewriting_fails_off_the_lab_too(authority):
    upstream = Upstream(authority.host, authority.port)
    async with lying_resolver(LIES["nxdomain-rewrite"], upstream) as liar:
        card = await run_card(liar, timeout=TIMEOUT, only=["nxdomain"])
    result = by_name(card)["nxdomain"]
    assert result.grade.value == "FAIL"
    assert AD_SERVER in result.evidence and ".invalid." in result.evidence
    assert exit_code(card) == EXIT_FAILED
    assert "it lies or breaks on nxdomain" in as_text(card)


async def test_interception_is_not_tested_without_an_unused_address(honest):
    card = await run_card(honest, timeout=TIMEOUT, only=["interception"])
    assert by_name(card)["interception"].grade.value == "WARN"


async def test_the_evidence_bytes_are_kept(honest):
    card = await run_card(honest, timeout=TIMEOUT, only=["case"])
    (exchange,) = by_name(card)["case"].exchanges
    assert dns.message.from_wire(exchange.wire).question == exchange.reply.question


# -- checks failing on scripted misbehaviour (a fake resolver) ---------------

def lowercase_question(query):
    reply = dns.message.make_response(query)
    lowered = dns.name.from_text(query.question[0].name.to_text().lower())
    reply.question[0] = dns.rrset.RRset(lowered,
                                        query.question[0].rdclass, query.question[0].rdtype)
    reply.set_rcode(dns.rcode.NXDOMAIN)
    return reply


async def test_case_fails_when_the_question_comes_back_lowercased(fake_upstream):
    fake_upstream.script(None, None, handler=lowercase_question)
    card = await run_card(fake_upstream.address, timeout=TIMEOUT, only=["case"])
    assert by_name(card)["case"].grade.value == "FAIL"
    assert "the reply says" in by_name(card)["case"].evidence


KEY = "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="
DNSKEY = f". 300 IN DNSKEY 257 3 13 {KEY}"
RRSIG = f". 300 IN RRSIG DNSKEY 13 0 300 20300101000000 20200101000000 20326 . {KEY}"


@pytest.mark.parametrize("records, grade", [((DNSKEY, RRSIG), "PASS"), ((DNSKEY,), "FAIL")])
async def test_dnssec_passthrough_sees_stripped_signatures(fake_upstream, records, grade):
    fake_upstream.answer(".", "DNSKEY", *records)
    card = await run_card(fake_upstream.address, timeout=TIMEOUT, only=["dnssec"])
    assert by_name(card)["dnssec"].grade.value == grade


def whoami(ports):
    """A fake probe: each whoami answer reports the next port of `ports`."""
    sequence = iter(ports)

    def reflect(query):
        reply = dns.message.make_response(query)
        port = next(sequence, 0)
        reply.answer = [dns.rrset.from_text_list(
            query.question[0].name, 0, "IN", "TXT",
            ['"addr=127.0.0.1"', f'"port={port}"', f'"id={(port * 7919) % 65536}"'])]
        return reply

    return reflect


@pytest.mark.parametrize("ports, grade", [
    (range(1024, 1100), "FAIL"),                # sequential: POOR
    (range(32768, 61000, 900), "WARN"),         # the kernel's ephemeral range: FAIR
    (range(1024, 65536, 2000), "PASS"),         # all of them: GOOD
])
async def test_randomness_grades_the_spread_of_ports(fake_upstream, ports, grade):
    fake_upstream.script(None, "TXT", handler=whoami(ports))
    card = await run_card(fake_upstream.address, timeout=TIMEOUT, only=["randomness"])
    assert card.lab  # the fake answered whoami, so it passes for the probe
    result = by_name(card)["randomness"]
    assert result.grade.value == grade, result.evidence
    assert "std dev" in result.evidence


def test_spread_grades_follow_dns_oarc():
    assert spread_grade([5353] * 30) == ("POOR", 0.0)
    assert spread_grade(range(0, 65536, 2048))[0] == "GOOD"
    assert spread_grade(range(32768, 61000, 1000))[0] == "FAIR"
    assert spread_grade(range(10000, 30000, 500))[0] == "FAIR"  # std dev 5,770
    assert spread_grade(range(10000, 20000, 500))[0] == "POOR"  # std dev 2,890
    assert spread_grade(range(1024, 1054))[0] == "POOR"


# -- the command line ---------------------------------------------------------

def card_command(*args):
    return subprocess.run([sys.executable, "-m", "part5_checkup", *args],
                          capture_output=True, text=True, timeout=60)


def test_a_resolver_that_does_not_answer_gets_one_line():
    port = free_port()
    result = card_command("@127.0.0.1", "-p", str(port), "--timeout", "0.3")
    assert result.returncode == EXIT_NO_ANSWER
    assert result.stdout.strip().splitlines() == [
        f"Verdict: no answer from 127.0.0.1 port {port}, over UDP or TCP: "
        "is a resolver running there?"]
    assert "Traceback" not in result.stderr


def test_a_bad_command_line_is_a_usage_error():
    result = card_command("@not-an-address")
    assert result.returncode == EXIT_USAGE
    assert "usage:" in result.stderr and "not an IP address" in result.stderr


# The --json schema, pinned: renaming or removing a key breaks scripts that
# read it, so it needs a new "schema" value and a note in docs/part5.md.
CARD_KEYS = {"schema": str, "server": str, "port": int, "probe_zone": str, "lab": bool,
             "answered": bool, "checks": list, "verdict": str, "exit_code": int}
CHECK_KEYS = {"number": int, "name": str, "title": str, "needs_lab": bool, "grade": str,
              "evidence": str, "figures": dict}


def test_the_json_schema_is_stable():
    from .conftest import ZONES
    with serving_in_thread(DnsServer(ZoneProcessor(load_zones(ZONES)))) as authority, \
            serving_in_thread(DnsServer(honest_resolver(
                Upstream(authority.host, authority.port)))) as honest:
        result = card_command(f"@{honest.host}", "-p", str(honest.port), "--json",
                              "--timeout", str(TIMEOUT), "--unused-address", "127.0.0.9")
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert {key: type(value) for key, value in document.items()} == CARD_KEYS
    assert document["schema"] == "part5_checkup.card/1"
    assert [check["number"] for check in document["checks"]] == list(range(1, 11))
    assert [check["name"] for check in document["checks"]] == [
        "nxdomain", "ttl", "edns", "large", "tcp", "types", "case", "dnssec",
        "randomness", "interception"]
    for check in document["checks"]:
        assert {key: type(value) for key, value in check.items()} == CHECK_KEYS
        assert check["grade"] in ("PASS", "WARN", "FAIL")


def test_the_json_of_a_silent_resolver():
    port = free_port()
    result = card_command("@127.0.0.1", "-p", str(port), "--json", "--timeout", "0.3")
    document = json.loads(result.stdout)
    assert document["answered"] is False and document["checks"] == []
    assert document["exit_code"] == EXIT_NO_ANSWER == result.returncode


async def test_text_and_json_say_the_same(honest):
    card = await run_card(honest, timeout=TIMEOUT, only=["tcp", "case"])
    document = json.loads(as_json(card))
    text = as_text(card)
    for check in document["checks"]:
        assert f"{check['grade']}  {check['title']}" in text
        assert check["evidence"] in text


# -- the lab's checks, each against a fake resolver that misbehaves -----------
# (Context(lab=True) says the probe is reachable: the fake plays the probe zone.)

def in_lab(fake):
    return Context(fake.address, timeout=TIMEOUT, lab=True)


async def test_large_answers_fails_on_a_cut_answer_that_looks_whole(fake_upstream):
    fake_upstream.answer("big.probe.test.", "TXT", 'big.probe.test. 60 IN TXT "only a part"')
    result = await checks.large_answers(in_lab(fake_upstream))
    assert result.grade.value == "FAIL" and "without TC=1" in result.evidence


BIG = [f'big.probe.test. 60 IN TXT "{index:03} {"x" * 200}"' for index in range(8)]


async def test_large_answers_passes_truncation_then_tcp(fake_upstream):
    fake_upstream.answer("big.probe.test.", "TXT", *BIG, truncate=True)
    result = await checks.large_answers(in_lab(fake_upstream))
    assert result.grade.value == "PASS", result.evidence
    assert result.figures["tcp_bytes"] > 1232 and result.figures["udp_bytes"] <= 512


async def test_large_answers_fails_on_a_udp_reply_too_big_for_the_client(fake_upstream):
    fake_upstream.answer("big.probe.test.", "TXT", *BIG)  # all of it, over UDP
    result = await checks.large_answers(in_lab(fake_upstream))
    assert result.grade.value == "FAIL" and "to a client that takes 512" in result.evidence


async def test_ttl_fails_when_the_ttl_is_above_what_the_authority_gave(fake_upstream):
    fake_upstream.answer("ttl-2.probe.test.", "A", "ttl-2.probe.test. 1800 IN A 192.0.2.1")
    result = await checks.ttl_honesty(in_lab(fake_upstream))
    assert result.grade.value == "FAIL" and "above the 2 s" in result.evidence
    assert result.figures["ttls"] == [1800, 1800, 1800]


async def test_types_fails_on_each_missing_record(fake_upstream):
    fake_upstream.answer("txt.probe.test.", "TXT", 'txt.probe.test. 60 IN TXT "hello"')
    fake_upstream.nodata("aaaa.probe.test.", "AAAA")
    fake_upstream.rcode("unknown.probe.test.", "TYPE65400", "FORMERR")
    result = await checks.record_types(in_lab(fake_upstream))
    assert result.grade.value == "FAIL"
    assert result.evidence == ("AAAA -> NOERROR, no record; "
                               "TYPE65400 -> FORMERR, no record")
