"""Check 8 against the signed lab: passthrough, and a bogus name refused.

A validating resolver (part 7) answers the lab's tampered name with
SERVFAIL: PASS. A resolver that passes signatures on without checking them
(part 4) answers it: WARN, it does not validate, which is no lie. One that
answers it with AD=1 claims to have checked what it did not: FAIL.
"""

import dns.flags
import pytest
from dnstest.threads import serving_in_thread

from lab.signed import TAMPERED
from part2_server import DnsServer
from part4_cache import CacheSettings, build_caching_resolver
from part5_checkup import Grade, run_card
from part7_dnssec import ValidatingSettings, build_validating_resolver


@pytest.fixture(scope="module")
def signed_net():
    lab = pytest.importorskip("lab")
    with lab.Lab.start(signed=True) as net:
        yield net


def upstream_of(net) -> list[str]:
    host, port = net.upstream
    return [f"{host}:{port}"]


async def check_8(port: int) -> tuple[Grade, str]:
    card = await run_card(("127.0.0.1", port), timeout=4, bogus_name=TAMPERED, only=["dnssec"])
    ((_, result),) = card.results
    return result.grade, result.evidence


async def test_a_validating_resolver_refuses_the_bogus_name(signed_net):
    validating = build_validating_resolver(ValidatingSettings(
        upstreams=upstream_of(signed_net), trust_anchor=str(signed_net.trust_anchor), port=0))
    with serving_in_thread(validating.server()) as server:
        grade, evidence = await check_8(server.port)
    assert grade == Grade.PASS, evidence
    assert "SERVFAIL" in evidence


async def test_a_resolver_that_does_not_validate_gets_a_warning(signed_net):
    caching = build_caching_resolver(CacheSettings(upstreams=upstream_of(signed_net), port=0))
    with serving_in_thread(caching.server()) as server:
        grade, evidence = await check_8(server.port)
    assert grade == Grade.WARN, evidence
    assert "does not validate" in evidence


async def test_a_resolver_that_vouches_for_bogus_data_fails(signed_net):
    caching = build_caching_resolver(CacheSettings(upstreams=upstream_of(signed_net), port=0))

    async def vouching(query, *, src, dst):
        reply = await caching.processor(query, src=src, dst=dst)
        if reply is not None:
            reply.flags |= dns.flags.AD  # "validated", without looking
        return reply

    with serving_in_thread(DnsServer(vouching)) as server:
        grade, evidence = await check_8(server.port)
    assert grade == Grade.FAIL, evidence
    assert "AD=1" in evidence
