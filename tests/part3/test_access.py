"""AccessList: loopback and private networks by default, a given list otherwise."""

import dns.message
import dns.rcode
import pytest

from part3_forwarder.access import AccessList, access_controlled, parse_network


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255",
     "192.168.1.20", "fd12:3456::1", "fc00::1", "169.254.7.7", "fe80::1", "fe80::1%eth0",
     "::ffff:192.168.1.20"],
)
def test_default_allows_loopback_and_private(host):
    assert AccessList().allows(host)


@pytest.mark.parametrize(
    "host",
    ["203.0.113.7", "172.32.0.1", "192.0.2.1", "2001:db8::1", "::ffff:203.0.113.7",
     "not-an-ip", ""],
)
def test_default_refuses_the_rest(host):
    assert not AccessList().allows(host)


def test_a_given_list_replaces_the_default():
    access = AccessList(["127.0.0.1/32", "2001:db8::/32"])
    assert access.allows("127.0.0.1")
    assert not access.allows("127.0.0.2")
    assert not access.allows("192.168.1.1")
    assert access.allows("2001:db8::5")


def test_networks_written_loosely():
    assert str(parse_network("192.168.1.7/24")) == "192.168.1.0/24"
    assert str(parse_network("192.168.1.7")) == "192.168.1.7/32"
    with pytest.raises(ValueError, match="not an address or a network"):
        parse_network("192.168.1.0/33")


async def test_wrapper_refuses_before_asking_the_processor():
    asked = []

    async def processor(query, *, src, dst):
        asked.append(src)
        return dns.message.make_response(query)

    guarded = access_controlled(processor, AccessList(["127.0.0.1/32"]))
    query = dns.message.make_query("www.example.", "A")
    refused = await guarded(query, src=("127.0.0.2", 5000), dst=("127.0.0.1", 53))
    assert refused.rcode() == dns.rcode.REFUSED
    assert asked == []
    answered = await guarded(query, src=("127.0.0.1", 5000), dst=("127.0.0.1", 53))
    assert answered.rcode() == dns.rcode.NOERROR
    assert asked == [("127.0.0.1", 5000)]
