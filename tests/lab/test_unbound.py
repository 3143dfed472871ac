"""A real iterative resolver walks the lab from its root hints.

unbound, in recursive mode, given nothing but `net.root_hints`, follows the
referrals down the tree (glue, and the delegation without glue) and gets the
answers a client would. It asks every server it learns about on port 53, so
this runs only where the lab could take port 53 (in `make test`'s namespace).
"""

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.peers import free_port
from dnstest.tools import require_tool

from lab import Lab

HOST = "127.0.0.1"


@contextlib.contextmanager
def unbound_recursive(root_hints: Path, workdir: Path) -> Iterator[int]:
    """unbound resolving from `root_hints` on a free port of 127.0.0.1; yields the port."""
    binary = require_tool("unbound")
    port = free_port()
    config = workdir / "unbound.conf"
    config.write_text(f"""server:
    interface: {HOST}
    port: {port}
    access-control: 127.0.0.0/8 allow
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{workdir}"
    pidfile: ""
    use-syslog: no
    logfile: ""
    num-threads: 1
    do-ip6: no
    module-config: "iterator"
    root-hints: "{root_hints}"
    # The lab lives on loopback, under test., which unbound would otherwise
    # refuse to ask (localhost) and answer itself (RFC 6761's special names).
    do-not-query-localhost: no
    local-zone: "test." nodefault
remote-control:
    control-enable: no
""")
    log = workdir / "unbound.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([binary, "-d", "-c", str(config)], stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        query = dns.message.make_query("test.", "SOA")
        for _ in range(100):
            assert process.poll() is None, log.read_text()
            try:
                dns.query.udp(query, HOST, port=port, timeout=0.2)
                break
            except (dns.exception.Timeout, OSError):
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def resolver(tmp_path_factory):
    with Lab.start() as net:
        if net.authority_port != 53:
            pytest.skip(f"the lab is on port {net.authority_port}: unbound asks the servers "
                        "it learns about on port 53 only (run in `make test`'s namespace)")
        with unbound_recursive(net.root_hints, tmp_path_factory.mktemp("unbound")) as port:
            yield port


def resolve(port: int, name: str, rdtype: str = "A") -> dns.message.Message:
    return dns.query.udp(dns.message.make_query(name, rdtype), HOST, port=port, timeout=5)


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
    assert facts["addr"] == HOST and facts["edns"] == "0"
    assert facts["qname"].lower() == "fresh1.whoami.probe.test."
