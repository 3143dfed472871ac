"""Part 6 in the lab: forwarding over TLS to the lab's unbound, and the report card.

The probe of the lab reports who asked it: with part 6 forwarding over TLS,
that is unbound (the encrypted upstream), never part 6 itself in plaintext.
"""

from __future__ import annotations

import dns.message
import dns.rcode
import pytest
from dnstest.tools import require_tool

from lab import Lab
from lab.encrypted import ENCRYPTED_ADDRESS, encrypted_upstream
from part6_encrypted import EncryptedSettings, build_encrypted_resolver

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


@pytest.fixture(scope="module")
def net():
    with Lab.start() as running:
        yield running


@pytest.fixture(scope="module")
def dot(net):
    require_tool("unbound")
    with encrypted_upstream(net.upstream) as server:
        yield server


def resolver(dot):
    return build_encrypted_resolver(EncryptedSettings(
        upstreams=[dot.tls_upstream], ca_file=str(dot.ca_file), port=0))


async def test_the_probe_sees_unbound_not_us(dot):
    encrypted = resolver(dot)
    query = dns.message.make_query("tls-1.whoami.probe.test.", "TXT")
    reply = await encrypted.processor(query, src=SRC, dst=DST)
    assert reply.rcode() == dns.rcode.NOERROR
    facts = dict(txt.strings[0].decode().split("=", 1) for rrset in reply.answer for txt in rrset)
    assert facts["addr"] == ENCRYPTED_ADDRESS  # unbound asked; our query went over TLS
    forwarder = encrypted.resolver.forwarder
    assert forwarder.upstreams[0].connection.handshakes == 1


async def test_the_report_card_passes_over_tls(net, dot):
    checkup = pytest.importorskip("part5_checkup", reason="part 5 (branch checkup) not merged")
    server = resolver(dot).server()
    await server.start("127.0.0.1", 0)
    try:
        card = await checkup.run_card((server.host, server.port), timeout=2.0,
                                      probe_zone=net.probe_zone,
                                      unused_address=net.unused_address)
    finally:
        await server.stop()
    grades = card.grades()
    assert card.answered and card.lab
    assert grades["interception"] == "PASS"
    assert {name for name, grade in grades.items() if grade == "FAIL"} == set(), grades
