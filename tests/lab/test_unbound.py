"""A real iterative resolver walks the lab from its root hints.

unbound, in recursive mode, given nothing but `net.root_hints`, follows the
referrals down the tree (glue, and the delegation without glue) and gets the
answers a client would. It asks every server it learns about on port 53, so
this runs only where the lab could take port 53 (in `make test`'s namespace).
"""

import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.peers import unbound_recursive

from lab import Lab


@pytest.fixture(scope="module")
def resolver(tmp_path_factory):
    with Lab.start() as net:
        if net.authority_port != 53:
            pytest.skip(f"the lab is on port {net.authority_port}: unbound asks the servers "
                        "it learns about on port 53 only (run in `make test`'s namespace)")
        with unbound_recursive(net.root_hints, tmp_path_factory.mktemp("unbound")) as address:
            yield address


def resolve(resolver: tuple[str, int], name: str, rdtype: str = "A") -> dns.message.Message:
    host, port = resolver
    return dns.query.udp(dns.message.make_query(name, rdtype), host, port=port, timeout=5)


@pytest.mark.parametrize(("name", "expected"), [
    ("www.example.test.", "192.0.2.10"),             # test., then example.test., then a CNAME
    ("MiXeD.CaSe.hostile.test.", "192.0.2.40"),
    ("www.glueless.test.", "192.0.2.91"),            # no glue: unbound looks the server up
])
def test_unbound_resolves_lab_names_from_the_root_hints(resolver, name, expected):
    reply = resolve(resolver, name)
    assert reply.rcode() == dns.rcode.NOERROR
    assert expected in [rdata.to_text() for rrset in reply.answer for rdata in rrset]


def test_unbound_gets_nxdomain_from_the_zone_that_says_so(resolver):
    assert resolve(resolver, "nope.example.test.").rcode() == dns.rcode.NXDOMAIN


def test_the_probe_sees_unbounds_own_query(resolver):
    reply = resolve(resolver, "fresh1.whoami.probe.test.", "TXT")
    facts = dict(b"".join(rdata.strings).decode().split("=", 1) for rdata in reply.answer[0])
    assert facts["addr"] == "127.0.0.1" and facts["edns"] == "0"
    assert facts["qname"].lower() == "fresh1.whoami.probe.test."
