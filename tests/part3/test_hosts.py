"""HostsProcessor: an /etc/hosts file answered as A, AAAA and PTR; the rest is None."""

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.reversename
import pytest

from part3_forwarder.hosts import HostsError, HostsProcessor, read_hosts

HOSTS = """\
# a home network
192.168.1.10   nas.home.arpa nas     # the file server
192.168.1.11   printer.home.arpa
fd00::10       nas.home.arpa
192.168.1.10   backup.home.arpa      # a second line for the same address
192.168.1.12   Laptop.Home.Arpa
fe80::1%eth0   router.home.arpa

"""
SRC, DST = ("127.0.0.1", 5000), ("127.0.0.1", 8053)


@pytest.fixture
def hosts(tmp_path):
    path = tmp_path / "hosts"
    path.write_text(HOSTS)
    return HostsProcessor(path)


async def ask(processor, name, rdtype):
    return await processor(dns.message.make_query(name, rdtype), src=SRC, dst=DST)


def addresses(reply):
    return sorted(rdata.to_text() for rrset in reply.answer for rdata in rrset)


async def test_a_and_aaaa(hosts):
    assert addresses(await ask(hosts, "nas.home.arpa.", "A")) == ["192.168.1.10"]
    assert addresses(await ask(hosts, "nas.home.arpa.", "AAAA")) == ["fd00::10"]
    assert addresses(await ask(hosts, "nas.", "A")) == ["192.168.1.10"]  # an alias
    assert addresses(await ask(hosts, "router.home.arpa.", "AAAA")) == ["fe80::1"]


async def test_reply_is_authoritative_with_ttl_zero_and_the_case_as_asked(hosts):
    reply = await ask(hosts, "LAPTOP.home.arpa.", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.flags & dns.flags.AA
    (rrset,) = reply.answer
    assert rrset.ttl == 0  # dnsmasq's default for hosts-file answers
    assert rrset.name.to_text() == "LAPTOP.home.arpa."


async def test_ttl_can_be_chosen(tmp_path):
    path = tmp_path / "hosts"
    path.write_text("192.168.1.10 nas.home.arpa\n")
    reply = await ask(HostsProcessor(path, ttl=300), "nas.home.arpa.", "A")
    assert reply.answer[0].ttl == 300


async def test_ptr_gives_the_first_name_of_the_first_line(hosts):
    reply = await ask(hosts, dns.reversename.from_address("192.168.1.10"), "PTR")
    assert addresses(reply) == ["nas.home.arpa."]
    reply = await ask(hosts, dns.reversename.from_address("fd00::10"), "PTR")
    assert addresses(reply) == ["nas.home.arpa."]


@pytest.mark.parametrize(
    ("name", "rdtype"),
    [
        ("printer.home.arpa.", "AAAA"),  # the name is there, the type is not
        ("printer.home.arpa.", "MX"),
        ("www.example.", "A"),  # not in the file at all
        ("home.arpa.", "A"),  # a parent of names in the file
        ("10.1.168.192.in-addr.arpa.", "A"),
        ("99.1.168.192.in-addr.arpa.", "PTR"),  # an address not in the file
    ],
)
async def test_what_the_file_lacks_is_not_our_business(hosts, name, rdtype):
    assert await ask(hosts, name, rdtype) is None


async def test_other_classes_are_not_our_business(hosts):
    query = dns.message.make_query("nas.home.arpa.", "A", "CH")
    assert await hosts(query, src=SRC, dst=DST) is None


def test_several_lines_for_a_name_add_up(tmp_path):
    path = tmp_path / "hosts"
    path.write_text("10.0.0.1 multi\n10.0.0.2 multi\n10.0.0.1 multi\n")
    processor = HostsProcessor(path)
    assert processor.addresses[dns.name.from_text("multi"), dns.rdatatype.A] == [
        "10.0.0.1", "10.0.0.2",
    ]


@pytest.mark.parametrize(
    ("content", "line", "complaint"),
    [
        ("127.0.0.1 localhost\n300.1.1.1 bad\n", 2, "'300.1.1.1' is not an IP address"),
        ("# only a comment\n\n192.168.1.1\n", 3, "has no name after it"),
        (f"10.0.0.1 {'x' * 64}.example\n", 1, "bad name"),
        ("10.0.0.1 a..b\n", 1, "bad name"),
    ],
)
def test_a_bad_line_stops_start_up_with_file_and_line(tmp_path, content, line, complaint):
    path = tmp_path / "hosts"
    path.write_text(content)
    with pytest.raises(HostsError, match=f"{path}:{line}: .*") as caught:
        read_hosts(path)
    assert complaint in str(caught.value)
