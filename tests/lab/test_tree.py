"""The tree answers like the Internet: from the root down, referrals with glue."""

import ipaddress

import dns.exception
import dns.flags
import dns.name
import dns.rcode
import dns.rdatatype
import pytest
from asking import ask

from lab import SERVERS, UNUSED_ADDRESS
from lab.tree import load_lab_zones


def referral(reply):
    """(the zone it refers to, {server name: [glue addresses]}) of a referral."""
    assert reply.rcode() == dns.rcode.NOERROR and not reply.answer
    assert not reply.flags & dns.flags.AA
    (ns,) = [rrset for rrset in reply.authority if rrset.rdtype == dns.rdatatype.NS]
    glue = {rrset.name.to_text(): [rdata.address for rdata in rrset]
            for rrset in reply.additional if rrset.rdtype == dns.rdatatype.A}
    return ns.name.to_text(), {rdata.target.to_text(): glue.get(rdata.target.to_text(), [])
                               for rdata in ns}


@pytest.mark.parametrize(("name", "rdtype", "path"), [
    ("www.example.test.", "A", ["test.", "example.test."]),
    ("MiXeD.CaSe.hostile.test.", "A", ["test.", "hostile.test."]),
    ("txt.probe.test.", "TXT", ["test.", "probe.test."]),
])
def test_the_walk_from_the_root_follows_glue_to_the_answer(net, name, rdtype, path):
    addresses = net.root_hints.read_text().split()[-1:]   # the hints' A record
    assert addresses == SERVERS["."]
    for zone in path:
        reply = ask(addresses[0], net.authority_port, name, rdtype)
        refers_to, servers = referral(reply)
        assert refers_to == zone
        addresses = sorted(address for glue in servers.values() for address in glue)
        assert addresses == sorted(SERVERS[zone])   # the glue leads where the map says
    for address in addresses:   # every server of the last zone answers, with authority
        reply = ask(address, net.authority_port, name, rdtype)
        assert reply.flags & dns.flags.AA and reply.answer, address


def test_the_root_hints_name_the_roots_server(net):
    lines = [line.split() for line in net.root_hints.read_text().splitlines()]
    assert lines == [[".", "3600000", "NS", "a.root-servers.test."],
                     ["a.root-servers.test.", "3600000", "A", "127.0.0.2"]]


def test_a_delegation_without_glue_names_a_server_in_another_zone(net):
    test_server = net.zones["test."][0]
    refers_to, servers = referral(ask(test_server, net.authority_port, "www.glueless.test."))
    assert (refers_to, servers) == ("glueless.test.", {"glueless-ns.example.test.": []})
    # The resolver looks the server's name up in its own zone, then asks it.
    reply = ask(net.zones["example.test."][0], net.authority_port, "glueless-ns.example.test.")
    (address,) = [rdata.address for rdata in reply.answer[0]]
    assert [address] == SERVERS["glueless.test."]
    reply = ask(address, net.authority_port, "www.glueless.test.")
    assert reply.flags & dns.flags.AA
    assert [rdata.address for rdata in reply.answer[0]] == ["192.0.2.91"]


def test_every_server_answers_for_its_zone_with_authority(net):
    for origin, addresses in SERVERS.items():
        for address in addresses:
            reply = ask(address, net.authority_port, origin, "SOA")
            assert reply.flags & dns.flags.AA, (origin, address)
            assert reply.answer[0].name == dns.name.from_text(origin)


def test_a_server_refuses_names_outside_its_zones(net):
    reply = ask(net.zones["hostile.test."][0], net.authority_port, "www.example.test.")
    assert reply.rcode() == dns.rcode.REFUSED


def test_every_name_server_address_in_the_lab_is_on_loopback():
    """A resolver following the lab's referrals never leaves the machine."""
    zones = load_lab_zones()
    for zone in zones.values():
        for name, rdataset in zone.iterate_rdatasets(dns.rdatatype.NS):
            for rdata in rdataset:
                for other in zones.values():
                    if rdata.target.is_subdomain(other.origin):
                        found = other.get_rdataset(rdata.target, dns.rdatatype.A)
                        for address in found or []:
                            assert ipaddress.ip_address(address.address).is_loopback, (
                                name, rdata.target)


def test_each_zones_own_ns_addresses_agree_with_its_parents_glue():
    zones = load_lab_zones()
    for origin in SERVERS:
        if origin == ".":
            continue
        zone, parent = zones[origin], zones[dns.name.from_text(origin).parent().to_text()]
        for rdata in zone.find_rdataset(origin, dns.rdatatype.NS):
            if rdata.target.is_subdomain(zone.origin):
                own = {a.address for a in zone.find_rdataset(rdata.target, dns.rdatatype.A)}
                glue = {a.address for a in parent.find_rdataset(rdata.target, dns.rdatatype.A)}
                assert own == glue, rdata.target


def test_the_upstream_answers_every_lab_name_as_a_resolver(net):
    host, port = net.upstream
    reply = ask(host, port, "www.example.test.")
    assert reply.flags & dns.flags.RA
    assert [rdata.address for rdata in reply.answer[-1]] == ["192.0.2.10"]
    assert ask(host, port, "nope.hostile.test.").rcode() == dns.rcode.NXDOMAIN
    assert ask(host, port, "www.glueless.test.").answer
    assert ask(host, port, "ttl-7.probe.test.").answer[0].ttl == 7


def test_nothing_answers_at_the_unused_address(net):
    assert net.unused_address == UNUSED_ADDRESS
    with pytest.raises((dns.exception.Timeout, OSError)):
        dns_reply = ask(UNUSED_ADDRESS, net.authority_port, "www.example.test.", timeout=0.5)
        raise AssertionError(f"an answer from the unused address: {dns_reply}")
