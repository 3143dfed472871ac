"""Part 7's validator in front of part 8's recursive resolver: the chain walked from the root.

No upstream resolver here: part 8 asks the signed lab's authorities itself,
from the root hints down, and part 7 checks every answer up to the lab's
trust anchor. Each case of the signed lab gets the verdict it gets through
the forwarder (tests/part7/test_differential.py), and unbound's.
"""

import dns.flags
import dns.message
import dns.rcode
import pytest

from lab.signed import CASES
from part7_dnssec import Validator
from part7_dnssec.anchor import read_trust_anchors
from part8_recursive import RecursiveResolver, load_root_hints

CLIENT = ("127.0.0.1", 5353)
SERVER = ("127.0.0.1", 53)


@pytest.fixture(scope="module")
def validating_recursion(signed_lab):
    recursive = RecursiveResolver(load_root_hints(signed_lab.root_hints),
                                  port=signed_lab.authority_port)
    return Validator(recursive, read_trust_anchors(signed_lab.trust_anchor))


@pytest.mark.parametrize(("name", "rdtype", "expected"), CASES)
async def test_each_case_gets_its_verdict_walking_from_the_root(
        validating_recursion, name, rdtype, expected):
    query = dns.message.make_query(name, rdtype, want_dnssec=True)
    reply = await validating_recursion(query, src=CLIENT, dst=SERVER)
    if reply.rcode() == dns.rcode.SERVFAIL:
        verdict = "bogus"
    else:
        verdict = "secure" if reply.flags & dns.flags.AD else "insecure"
    assert verdict == expected, reply.to_text()
