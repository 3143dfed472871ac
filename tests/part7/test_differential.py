"""For every case of the signed lab, our verdict equals unbound's (and delv's).

Both validate the same answers, from the same stand-in upstream, against the
same trust anchor, made fresh when the lab starts. Verdicts: "secure" (AD=1),
"insecure" (no AD) or "bogus" (SERVFAIL).
"""

import pytest

from lab.signed import CASES

from .peers import ask, bind_anchor, delv_verdict, unbound, verdict
from .running import validating_resolver


@pytest.fixture(scope="module")
def ours(signed_lab):
    with validating_resolver(signed_lab) as address:
        yield address


@pytest.fixture(scope="module")
def theirs(signed_lab, tmp_path_factory):
    with unbound(signed_lab.upstream, signed_lab.trust_anchor,
                 tmp_path_factory.mktemp("unbound")) as address:
        yield address


@pytest.mark.parametrize(("name", "rdtype", "expected"), CASES)
def test_our_verdict_is_the_expected_one(ours, name, rdtype, expected):
    assert verdict(ask(ours, name, rdtype)) == expected


@pytest.mark.parametrize(("name", "rdtype", "expected"), CASES)
def test_our_verdict_equals_unbounds(ours, theirs, name, rdtype, expected):
    assert verdict(ask(ours, name, rdtype)) == verdict(ask(theirs, name, rdtype))


@pytest.mark.parametrize(("name", "rdtype", "expected"), CASES)
def test_our_verdict_equals_delvs(signed_lab, ours, tmp_path_factory, name, rdtype, expected):
    anchor = bind_anchor(signed_lab.trust_anchor, tmp_path_factory.mktemp("delv") / "anchor")
    assert verdict(ask(ours, name, rdtype)) == delv_verdict(signed_lab.upstream, anchor,
                                                            name, rdtype)
