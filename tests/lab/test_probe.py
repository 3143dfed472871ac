"""The probe zone reports what it received, and each special name does what
LAB_INTERFACE.md and docs/lab.md promise."""

import socket

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from asking import ask
from dnstest.peers import free_port

from lab import ProbeAuthority
from lab.tree import load_lab_zones


def facts(reply) -> dict[str, str]:
    """The whoami answer as {key: value}."""
    (rrset,) = reply.answer
    assert rrset.rdtype == dns.rdatatype.TXT and rrset.ttl == 0
    pairs = [b"".join(rdata.strings).decode().split("=", 1) for rdata in rrset]
    return dict(pairs)


def whoami(net, query, *, tcp=False, source_port=0):
    address = net.zones["probe.test."][0]
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, address, port=net.authority_port, timeout=2,
                source="127.0.0.1", source_port=source_port)


def test_whoami_over_udp_reports_address_port_id_case_and_edns(net):
    query = dns.message.make_query("WhoAmI.PROBE.test.", "TXT", use_edns=0, payload=1400,
                                   want_dnssec=True)
    port = free_port()
    seen = facts(whoami(net, query, source_port=port))
    assert seen == {"addr": "127.0.0.1", "port": str(port), "id": str(query.id),
                    "qname": "WhoAmI.PROBE.test.", "edns": "0", "payload": "1400",
                    "do": "1", "transport": "udp"}


def test_whoami_without_edns(net):
    query = dns.message.make_query("whoami.probe.test.", "TXT", use_edns=False)
    seen = facts(whoami(net, query))
    assert (seen["edns"], seen["payload"], seen["do"]) == ("-1", "0", "0")


def test_whoami_over_tcp_says_tcp_and_the_connections_port(net):
    query = dns.message.make_query("whoami.probe.test.", "TXT", use_edns=0, payload=512)
    port = free_port()
    seen = facts(whoami(net, query, tcp=True, source_port=port))
    assert (seen["transport"], seen["port"], seen["payload"], seen["do"]) == (
        "tcp", str(port), "512", "0")


def test_a_label_in_front_of_whoami_defeats_caches_and_keeps_its_case(net):
    query = dns.message.make_query("x7Q2.whoami.probe.test.", "TXT")
    assert facts(whoami(net, query))["qname"] == "x7Q2.whoami.probe.test."


def test_whoami_answers_nodata_for_other_types(net):
    reply = ask(net.zones["probe.test."][0], net.authority_port, "whoami.probe.test.", "A")
    assert reply.rcode() == dns.rcode.NOERROR and not reply.answer
    assert reply.authority[0].rdtype == dns.rdatatype.SOA


def test_whoami_through_the_upstream_sees_who_asked_the_upstream(net):
    query = dns.message.make_query("whoami.probe.test.", "TXT")
    host, port = net.upstream
    seen = facts(dns.query.udp(query, host, port=port, timeout=2))
    assert seen["addr"] == "127.0.0.1" and seen["id"] == str(query.id)


@pytest.mark.parametrize("ttl", [0, 1, 300, 2**31 - 1])
def test_ttl_n_answers_with_ttl_n(net, ttl):
    reply = ask(net.zones["probe.test."][0], net.authority_port, f"ttl-{ttl}.probe.test.")
    (rrset,) = reply.answer
    assert reply.flags & dns.flags.AA
    assert (rrset.ttl, [rdata.address for rdata in rrset]) == (ttl, ["192.0.2.1"])


@pytest.mark.parametrize("name", ["ttl-2147483648.probe.test.", "ttl-x.probe.test.",
                                  "ttl-5.other.probe.test."])
def test_a_ttl_name_out_of_range_does_not_exist(net, name):
    reply = ask(net.zones["probe.test."][0], net.authority_port, name)
    assert reply.rcode() == dns.rcode.NXDOMAIN


def test_ttl_n_has_no_other_type(net):
    reply = ask(net.zones["probe.test."][0], net.authority_port, "ttl-60.probe.test.", "AAAA")
    assert reply.rcode() == dns.rcode.NOERROR and not reply.answer
    (soa,) = reply.authority
    assert soa.rdtype == dns.rdatatype.SOA and soa.ttl == 60   # RFC 2308: the SOA's minimum


def test_big_is_truncated_over_udp_and_whole_over_tcp(net):
    address = net.zones["probe.test."][0]
    over_udp = ask(address, net.authority_port, "big.probe.test.", "TXT", use_edns=0,
                   payload=1232)
    assert over_udp.flags & dns.flags.TC and not over_udp.answer
    over_tcp = ask(address, net.authority_port, "big.probe.test.", "TXT", tcp=True,
                   use_edns=0, payload=1232)
    assert not over_tcp.flags & dns.flags.TC
    assert len(over_tcp.answer[0]) == 14 and len(over_tcp.to_wire()) > 1232


def test_unknown_type_comes_back_as_rfc_3597_data(net):
    reply = ask(net.zones["probe.test."][0], net.authority_port, "unknown.probe.test.",
                "TYPE65400")
    (rrset,) = reply.answer
    assert rrset.rdtype == 65400 and rrset[0].to_text() == r"\# 4 0a000001"


def test_aaaa_and_txt_names(net):
    address, port = net.zones["probe.test."][0], net.authority_port
    assert [r.address for r in ask(address, port, "aaaa.probe.test.", "A").answer[0]] == [
        "192.0.2.1"]
    assert [r.address for r in ask(address, port, "aaaa.probe.test.", "AAAA").answer[0]] == [
        "2001:db8::1"]
    assert ask(address, port, "txt.probe.test.", "TXT").answer[0].rdtype == dns.rdatatype.TXT


@pytest.mark.parametrize("name", ["nope.probe.test.", "whoami-not.probe.test.",
                                  "a.b.probe.test."])
def test_any_other_name_is_nxdomain_with_the_soa(net, name):
    reply = ask(net.zones["probe.test."][0], net.authority_port, name, "TXT")
    assert reply.rcode() == dns.rcode.NXDOMAIN and reply.flags & dns.flags.AA
    assert [rrset.rdtype for rrset in reply.authority] == [dns.rdatatype.SOA]


def test_the_probe_keeps_the_servers_rules_for_bad_packets(net):
    """Malformed bytes get FORMERR, a reply (QR=1) gets nothing, and it keeps answering."""
    address = (net.zones["probe.test."][0], net.authority_port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07whoa", address)
        reply = dns.message.from_wire(sock.recv(65535), question_only=True)
        assert (reply.id, reply.rcode()) == (0x1234, dns.rcode.FORMERR)
        response = dns.message.make_response(
            dns.message.make_query("whoami.probe.test.", "TXT"))
        sock.sendto(response.to_wire(), address)
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(65535)
    assert facts(whoami(net, dns.message.make_query("whoami.probe.test.", "TXT")))


async def test_as_a_plain_processor_whoami_answers_without_the_transport():
    probe = ProbeAuthority(load_lab_zones()["probe.test."])
    query = dns.message.make_query("whoami.probe.test.", "TXT")
    reply = await probe(query, src=("127.0.0.5", 5353), dst=("127.0.0.7", 53))
    assert facts(reply) == {"addr": "127.0.0.5", "port": "5353", "id": str(query.id),
                            "qname": "whoami.probe.test.", "edns": "-1", "payload": "0",
                            "do": "0", "transport": "unknown"}
