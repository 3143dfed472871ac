"""unbound and delv, validating against the signed lab's trust anchor.

unbound forwards to the lab's stand-in upstream, as our validator does, and
validates with the same trust anchor, so both see the same answers and
signatures and judge them on their own. The traps (see the brief): unbound
must be allowed to ask loopback (`do-not-query-localhost: no`), must not
treat test. as a locally served name (`local-zone: "test." nodefault`), and
must not keep a slow or failed server out of reach for minutes.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode

from tests.dnstest.peers import HOST, free_port, running_process
from tests.dnstest.tools import require_tool


# --8<-- [start:unbound]
def unbound_config(port: int, upstream: tuple[str, int], anchor: Path, workdir: Path) -> str:
    host, upstream_port = upstream
    return f"""server:
    interface: {HOST}
    port: {port}
    username: ""
    chroot: ""
    directory: "{workdir}"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    val-log-level: 2
    do-not-query-localhost: no
    local-zone: "test." nodefault
    trust-anchor-file: "{anchor}"
    module-config: "validator iterator"
    trust-anchor-signaling: no
    root-key-sentinel: no
    qname-minimisation: no
    # No answers made up from cached NSEC records (RFC 8198): every name is
    # asked upstream and validated, as ours are (and the benchmark compares).
    aggressive-nsec: no
    discard-timeout: 0
    infra-cache-max-rtt: 1000
    access-control: 127.0.0.0/8 allow
    ede: yes
    num-threads: 1
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: {host}@{upstream_port}
"""
# --8<-- [end:unbound]


@contextlib.contextmanager
def unbound(upstream: tuple[str, int], anchor: Path, workdir: Path) -> Iterator[tuple[str, int]]:
    """Run unbound validating with `anchor`, forwarding to `upstream`."""
    with unbound_process(upstream, anchor, workdir) as (_, address):
        yield address


@contextlib.contextmanager
def unbound_process(upstream: tuple[str, int], anchor: Path, workdir: Path
                    ) -> Iterator[tuple[subprocess.Popen, tuple[str, int]]]:
    """unbound (see `unbound`), and its process, whose CPU time the benchmark reads."""
    binary = require_tool("unbound")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = workdir / "unbound.conf"
    config.write_text(unbound_config(port, upstream, anchor, workdir))
    with running_process([binary, "-d", "-c", str(config)], workdir, "test.", port) as running:
        yield running


def bind_anchor(anchor: Path, target: Path) -> Path:
    """The DS of a trust-anchor file, in the trust-anchors clause delv reads."""
    lines = []
    for line in anchor.read_text().splitlines():
        words = line.split(";", 1)[0].split()
        if words:
            tag, algorithm, digest_type, digest = words[-4:]
            lines.append(f'    {words[0]} static-ds {tag} {algorithm} {digest_type} "{digest}";')
    target.write_text("trust-anchors {\n" + "\n".join(lines) + "\n};\n")
    return target


def delv_verdict(server: tuple[str, int], anchor: Path, name: str, rdtype: str) -> str:
    """delv's verdict: "secure", "insecure" or "bogus"."""
    binary = require_tool("delv")
    host, port = server
    done = subprocess.run([binary, f"@{host}", "-p", str(port), "-a", str(anchor),
                           name, rdtype, "+nomtrace", "+norrcomments"],
                          capture_output=True, text=True, timeout=20)
    said = done.stdout + done.stderr
    # delv gives a verdict per RRset of a chain: the weakest one counts. A
    # proven negative answer is "resolution failed: ncache nxdomain" too.
    failed = [line for line in said.splitlines() if "resolution failed" in line]
    if any("ncache" not in line for line in failed) or "validation failed" in said:
        return "bogus"
    if "unsigned answer" in said:
        return "insecure"
    if "fully validated" in said:
        return "secure"
    return "bogus"


def verdict(reply: dns.message.Message) -> str:
    """AD, no AD, or SERVFAIL, as words."""
    if reply.rcode() == dns.rcode.SERVFAIL:
        return "bogus"
    return "secure" if reply.flags & dns.flags.AD else "insecure"


def ask(server: tuple[str, int], name: str, rdtype: str) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=True)
    return dns.query.udp(query, server[0], port=server[1], timeout=5)
