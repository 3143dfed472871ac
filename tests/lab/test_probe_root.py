"""Questions about the root name, through the stand-in upstream, get the root
zone's answer (the probe, asked first, once failed them with SERVFAIL)."""

import dns.message
import dns.query
import dns.rcode
import pytest


@pytest.mark.parametrize("rdtype", ["SOA", "NS", "DNSKEY"])
def test_the_upstream_answers_for_the_root_name(net, rdtype):
    query = dns.message.make_query(".", rdtype, want_dnssec=True)
    reply = dns.query.udp(query, net.upstream[0], port=net.upstream[1], timeout=2)
    assert reply.rcode() == dns.rcode.NOERROR
