"""Start real DNS servers (nsd, knot; unbound resolving the lab) on loopback for tests.

    with nsd({"example.test.": "zones/example.test.zone"}, tmp_path) as (host, port):
        ...  # ask it anything, over UDP or TCP

Each server gets a fresh directory, a free port on 127.0.0.1, runs in the
foreground as a child of the test, and is stopped by its PID when the block ends.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype

from lab.processes import stop_process

from .tools import require_tool

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A port that is free for both UDP and TCP on `host` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            with socket.socket(family, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port found")


def wait_until_serving(host: str, port: int, zone: str, process: subprocess.Popen,
                       log: Path, timeout: float = 10.0) -> None:
    """Ask for the zone's SOA until the server answers it, over UDP and TCP."""
    query = dns.message.make_query(zone, dns.rdatatype.SOA)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early: {log.read_text(errors='replace')}")
        try:
            dns.query.udp(query, host, port=port, timeout=0.2)
            dns.query.tcp(query, host, port=port, timeout=0.2)
            return
        except (OSError, dns.exception.Timeout):
            time.sleep(0.05)
    said = log.read_text(errors="replace")
    raise RuntimeError(f"server did not answer within {timeout}s: {said}")


@contextlib.contextmanager
def _running(command: list[str], workdir: Path, zones: Mapping[str, str | Path],
             port: int) -> Iterator[tuple[str, int]]:
    with running_process(command, workdir, next(iter(zones)), port) as (_, address):
        yield address


@contextlib.contextmanager
def running_process(command: list[str], workdir: Path, zone: str, port: int
                    ) -> Iterator[tuple[subprocess.Popen, tuple[str, int]]]:
    """Run a server in the foreground (its output in workdir/server.log) until it
    answers `zone`'s SOA on `port`; stop it by its PID when the block ends."""

    def ready(process: subprocess.Popen, log: Path) -> None:
        wait_until_serving(HOST, port, zone, process, log)

    with in_foreground(command, workdir, ready) as process:
        yield process, (HOST, port)


@contextlib.contextmanager
def in_foreground(command: list[str], workdir: Path,
                  ready: Callable[[subprocess.Popen, Path], None]
                  ) -> Iterator[subprocess.Popen]:
    """Run `command` in `workdir`, its output in server.log, until the block ends.

    `ready(process, log)` returns once it serves, or raises. The process is
    stopped by its PID: SIGTERM, then SIGKILL after 5 s.
    """
    log = workdir / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        ready(process, log)
        yield process
    finally:
        stop_process(process)


@contextlib.contextmanager
def nsd(zones: Mapping[str, str | Path], workdir: Path) -> Iterator[tuple[str, int]]:
    """Run nsd serving `zones` ({origin: zone file}) on a free loopback port."""
    binary = require_tool("nsd")
    workdir = Path(workdir) / "nsd"
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    zone_blocks = "".join(
        f"zone:\n    name: \"{origin}\"\n    zonefile: \"{Path(path).resolve()}\"\n"
        for origin, path in zones.items()
    )
    config = workdir / "nsd.conf"
    config.write_text(
        "server:\n"
        f"    ip-address: {HOST}@{port}\n"
        f"    port: {port}\n"
        "    server-count: 1\n"
        "    username: \"\"\n"
        "    chroot: \"\"\n"
        f"    zonesdir: \"{workdir}\"\n"
        "    database: \"\"\n"
        f"    zonelistfile: \"{workdir}/zone.list\"\n"
        f"    xfrdfile: \"{workdir}/xfrd.state\"\n"
        f"    pidfile: \"{workdir}/nsd.pid\"\n"
        "    hide-version: yes\n"
        "    verbosity: 1\n"
        # Debian's nsd rate-limits answers by default; a test must get them all.
        "    rrl-ratelimit: 0\n"
        "remote-control:\n"
        "    control-enable: no\n"
        + zone_blocks
    )
    with _running([binary, "-d", "-c", str(config)], workdir, zones, port) as address:
        yield address


@contextlib.contextmanager
def knot(zones: Mapping[str, str | Path], workdir: Path) -> Iterator[tuple[str, int]]:
    """Run knotd serving `zones` ({origin: zone file}) on a free loopback port."""
    binary = require_tool("knotd")
    workdir = Path(workdir) / "knot"
    (workdir / "db").mkdir(parents=True, exist_ok=True)
    port = free_port()
    zone_lines = "".join(
        f"  - domain: \"{origin}\"\n    file: \"{Path(path).resolve()}\"\n"
        for origin, path in zones.items()
    )
    config = workdir / "knot.conf"
    config.write_text(
        "server:\n"
        f"    rundir: \"{workdir}\"\n"
        f"    listen: {HOST}@{port}\n"
        "    udp-workers: 1\n"
        "    tcp-workers: 1\n"
        "    background-workers: 1\n"
        "log:\n"
        "  - target: stderr\n"
        "    any: warning\n"
        "database:\n"
        f"    storage: \"{workdir}/db\"\n"
        "template:\n"
        "  - id: default\n"
        f"    storage: \"{workdir}/db\"\n"
        "    zonefile-sync: -1\n"
        "    journal-content: none\n"
        "zone:\n"
        + zone_lines
    )
    with _running([binary, "-c", str(config)], workdir, zones, port) as address:
        yield address


@contextlib.contextmanager
def unbound_recursive(root_hints: str | Path, workdir: Path) -> Iterator[tuple[str, int]]:
    """Run unbound as an iterative resolver from `root_hints` (the lab's) on a free port.

    It asks the servers it learns about on port 53, so the lab must be there.
    """
    binary = require_tool("unbound")
    workdir = Path(workdir) / "unbound"
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = workdir / "unbound.conf"
    config.write_text(
        "server:\n"
        f"    interface: {HOST}\n"
        f"    port: {port}\n"
        "    access-control: 127.0.0.0/8 allow\n"
        "    do-daemonize: no\n"
        "    username: \"\"\n"
        "    chroot: \"\"\n"
        f"    directory: \"{workdir}\"\n"
        "    pidfile: \"\"\n"
        "    use-syslog: no\n"
        "    logfile: \"\"\n"
        "    num-threads: 1\n"
        "    do-ip6: no\n"
        "    module-config: \"iterator\"\n"
        f"    root-hints: \"{Path(root_hints).resolve()}\"\n"
        # The lab lives on loopback, under test., which unbound would otherwise
        # refuse to ask (localhost) and answer itself (RFC 6761's special names).
        "    do-not-query-localhost: no\n"
        "    local-zone: \"test.\" nodefault\n"
        # Debian's unbound drops a client whose lookup takes over 1.9 s, and a
        # lookup past a dead server of the lab can; and it must not back off
        # that server for minutes between one question and the next.
        "    discard-timeout: 0\n"
        "    infra-cache-max-rtt: 2000\n"
        "    outbound-msg-retry: 2\n"
        "remote-control:\n"
        "    control-enable: no\n"
    )
    with _running([binary, "-d", "-c", str(config)], workdir, {"test.": ""}, port) as address:
        yield address
