"""Part 3 in front of a real server: dig through us sees what dig sees directly.

nsd and knot serve the shipped zones on loopback. `python -m part3_forwarder`
forwards to one of them, and for each question of the table below, dig's
answer through part 3 must have the same rcode and the same RRsets (answer,
authority and additional, TTLs included) as dig's answer from the real
server, over UDP and over TCP. Flags differ on purpose (we are a resolver:
RA=1, AA=0) and are not compared.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rdata
import pytest
from dnstest.peers import free_port, knot, nsd
from dnstest.tools import require_tool

REPO = Path(__file__).parents[2]
ZONES = {
    "example.test.": REPO / "zones" / "example.test.zone",
    "hostile.test.": REPO / "zones" / "hostile.test.zone",
}
OVERRIDE_ZONE = REPO / "docs" / "examples" / "override.example.test.zone"
PEERS = {"nsd": nsd, "knot": knot}

QUESTIONS = [
    ("example.test.", "SOA"),
    ("example.test.", "NS"),
    ("ExAmPlE.TeSt.", "AAAA"),
    ("example.test.", "MX"),
    ("www.example.test.", "A"),  # a CNAME, followed
    ("nas.example.test.", "A"),
    ("nas.example.test.", "AAAA"),  # NODATA
    ("nothere.example.test.", "A"),  # NXDOMAIN
    ("_sip._tcp.example.test.", "SRV"),
    ("deep.lab.example.test.", "A"),  # a referral, relayed as it came
    ("txt.hostile.test.", "TXT"),
    ("big.hostile.test.", "TXT"),  # over 512 bytes
    ("a.wild.hostile.test.", "A"),  # wildcard
    ("chain1.hostile.test.", "A"),  # CNAME chain
    ("gone.hostile.test.", "A"),  # CNAME to a missing name
    ("unknown.hostile.test.", "TYPE65280"),
]


# -- dig, and what of its output is compared ----------------------------------------


def dig(host, port, name, rdtype, *options):
    """dig's answer as (status, {section: Counter of records})."""
    binary = require_tool("dig")
    output = subprocess.run(
        [binary, f"@{host}", "-p", str(port), name, rdtype, "+nocmd", "+nostats",
         "+noquestion", "+tries=1", "+time=5", *options],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout
    status = re.search(r"status: (\w+)", output)
    assert status, f"no answer from dig:\n{output}"
    sections, section = collections.defaultdict(collections.Counter), None
    for line in output.splitlines():
        heading = re.match(r";; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:", line)
        if heading:
            section = heading.group(1)
        elif not line.strip():
            section = None  # a blank line ends a section
        elif section and not line.startswith(";"):
            sections[section][record(line)] += 1
    return status.group(1), dict(sections)


def record(line):
    """A record in a form that compares the way DNS does: names without case."""
    owner, ttl, rdclass, rdtype, rdata = line.split(None, 4)
    data = dns.rdata.from_text(rdclass, rdtype, rdata)
    return (dns.name.from_text(owner), int(ttl), rdclass, rdtype, data.to_digestable())


# -- the servers ---------------------------------------------------------------------


@contextlib.contextmanager
def forwarder(upstream_port, *flags):
    """Run `python -m part3_forwarder` forwarding to 127.0.0.1:upstream_port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "part3_forwarder", "--port", str(port),
         "--upstream", f"127.0.0.1:{upstream_port}", "--event-loop", "asyncio", *flags],
        cwd=REPO, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("DNS_")},
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                raise AssertionError(f"part 3 exited: {process.communicate()[1]}")
            try:
                query = dns.message.make_query("example.test.", "SOA")
                dns.query.udp(query, "127.0.0.1", port=port, timeout=0.5)
                break
            except (dns.exception.Timeout, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


@pytest.fixture(scope="module", params=list(PEERS))
def peer(request, tmp_path_factory):
    """A real authoritative server on loopback: (name, port)."""
    with PEERS[request.param](ZONES, tmp_path_factory.mktemp(request.param)) as (_, port):
        yield request.param, port


@pytest.fixture(scope="module")
def through_part3(peer):
    """Part 3 forwarding everything to the peer: its port."""
    with forwarder(peer[1]) as port:
        yield port


@pytest.mark.parametrize("transport", ["+notcp", "+tcp"])
@pytest.mark.parametrize(("name", "rdtype"), QUESTIONS, ids=[" ".join(q) for q in QUESTIONS])
def test_same_answers_as_the_real_server(peer, through_part3, name, rdtype, transport):
    direct = dig("127.0.0.1", peer[1], name, rdtype, transport)
    relayed = dig("127.0.0.1", through_part3, name, rdtype, transport)
    assert relayed == direct


def test_a_client_without_edns_gets_the_big_answer_over_tcp(peer, through_part3):
    # 8 TXT records do not fit in 512 bytes: we truncate, dig asks again over TCP.
    direct = dig("127.0.0.1", peer[1], "big.hostile.test.", "TXT", "+noedns")
    relayed = dig("127.0.0.1", through_part3, "big.hostile.test.", "TXT", "+noedns")
    assert relayed == direct
    assert sum(direct[1]["ANSWER"].values()) == 8


def test_what_the_upstream_refuses_becomes_servfail(peer, through_part3):
    # The peer serves no zone for this name and says REFUSED. For a forwarder,
    # that is an upstream failing, not an answer about the name.
    assert dig("127.0.0.1", peer[1], "elsewhere.invalid.", "A")[0] == "REFUSED"
    assert dig("127.0.0.1", through_part3, "elsewhere.invalid.", "A")[0] == "SERVFAIL"


# -- a local zone in front: answered here, or passed on ------------------------------


@pytest.mark.parametrize("policy", ["static", "transparent"])
def test_a_local_name_is_ours_and_an_outside_name_is_forwarded(peer, policy):
    with forwarder(peer[1], "--zone", str(OVERRIDE_ZONE), "--local-policy", policy) as port:
        for transport in ("+notcp", "+tcp"):
            status, sections = dig("127.0.0.1", port, "nas.example.test.", "A", transport)
            assert status == "NOERROR"
            assert [r[4] for r in sections["ANSWER"]] == [bytes([10, 0, 0, 30])]  # ours
            outside = dig("127.0.0.1", port, "txt.hostile.test.", "TXT", transport)
            assert outside == dig("127.0.0.1", peer[1], "txt.hostile.test.", "TXT", transport)
            # printer.example.test is only upstream: static hides it, transparent passes it on
            printer = dig("127.0.0.1", port, "printer.example.test.", "A", transport)
            if policy == "static":
                assert printer[0] == "NXDOMAIN"
            else:
                assert printer == dig("127.0.0.1", peer[1], "printer.example.test.", "A", transport)
