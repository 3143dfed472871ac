"""dig and kdig, the clients people actually use, against part 2's server:
over UDP and TCP, with and without EDNS, they must read the answers the zone holds."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import dns.message
import dns.rcode
import dns.rdatatype
import pytest
from dnstest.threads import serving_in_thread
from dnstest.tools import require_tool

from part2_server.authority import ZoneProcessor
from part2_server.server import DnsServer
from part2_server.zones import load_zone

ZONE = Path(__file__).resolve().parents[2] / "zones" / "example.test.zone"
QUESTIONS = [("mail.example.test.", "A"), ("example.test.", "MX"),
             ("www.example.test.", "A"), ("nope.example.test.", "A"),
             ("example.test.", "TXT"), ("ns1.example.test.", "AAAA")]
# (client, its flag for TCP, for EDNS on, for EDNS off, what it prints for an OPT)
CLIENTS = {
    "dig": ("+tcp", "+edns=0", "+noedns", "; EDNS: version: 0"),
    "kdig": ("+tcp", "+edns=0", "+noedns", ";; EDNS PSEUDOSECTION:"),
}


@pytest.fixture(scope="module")
def processor():
    return ZoneProcessor([load_zone(ZONE)])


@pytest.fixture(scope="module")
def server(processor):
    with serving_in_thread(DnsServer(processor)) as running:
        yield running


def expected(processor, name, rdtype):
    """What the zone says, asked in-process: the rcode and the answer records."""
    reply = asyncio.run(processor(dns.message.make_query(name, rdtype),
                                  src=("127.0.0.1", 1), dst=("127.0.0.1", 53)))
    records = {(rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype),
                rdata.to_text().lower())
               for rrset in reply.answer for rdata in rrset}
    return dns.rcode.to_text(reply.rcode()), records


def parse(output: str):
    """The status and the answer records of a dig or kdig report."""
    status = re.search(r"status: (\w+)", output).group(1)
    records, in_answer = set(), False
    for line in output.splitlines():
        if "ANSWER SECTION:" in line:
            in_answer = True
            continue
        if in_answer:
            if not line.strip() or line.startswith(";;"):
                break
            owner, _ttl, _class, rdtype, rdata = line.split(None, 4)
            records.add((owner.lower(), rdtype, " ".join(rdata.split()).lower()))
    return status, records


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("edns", [True, False], ids=["edns", "no-edns"])
def test_real_clients_read_our_answers(server, processor, client, transport, edns):
    binary = require_tool(client)
    tcp_flag, edns_on, edns_off, opt_marker = CLIENTS[client]
    for name, rdtype in QUESTIONS:
        command = [binary, f"@{server.host}", "-p", str(server.port), name, rdtype,
                   "+time=2", "+retry=0" if client == "kdig" else "+tries=1",
                   edns_on if edns else edns_off]
        if transport == "tcp":
            command.append(tcp_flag)
        output = subprocess.run(command, capture_output=True, text=True, timeout=10,
                                check=True).stdout
        assert parse(output) == expected(processor, name, rdtype), output
        assert (opt_marker in output) == edns, output
        assert f"({transport.upper()})" in output, output  # the client says how it asked
