"""deploy/dnsdist.conf in front of three part 4 resolvers, all on loopback.

The shipped configuration, as is, with its addresses from the environment:
dnsdist answers through the three; one is killed; dnsdist's health checks
take it out, and clients keep getting answers (a client retries a question
that went to the dead one before the checks noticed, as every stub does).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.peers import free_port
from dnstest.tools import require_tool

from lab.processes import stop_process

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "deploy" / "dnsdist.conf"
LOCAL_ZONE = REPO / "zones" / "home.lan.zone"


def ask(port: int, name: str, timeout: float = 0.5, tries: int = 1) -> dns.message.Message | None:
    """The reply, or None when `tries` attempts all time out."""
    query = dns.message.make_query(name, "A")
    for _ in range(tries):
        try:
            return dns.query.udp(query, "127.0.0.1", port=port, timeout=timeout)
        except dns.exception.Timeout:
            continue
    return None


def wait_until_answering(port: int, process: subprocess.Popen, log: Path,
                         within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited early: {log.read_text(errors='replace')}")
        reply = ask(port, "router.home.lan.", timeout=0.3)
        if reply is not None and reply.rcode() == dns.rcode.NOERROR:
            return
        time.sleep(0.1)
    raise AssertionError(f"not answering on port {port}: {log.read_text(errors='replace')}")


@pytest.fixture
def processes():
    """Processes started by the test, ended by PID whatever happens."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        stop_process(process, timeout=10)


def start(processes, command, log: Path, env=None) -> subprocess.Popen:
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})})
    processes.append(process)
    return process


def test_clients_keep_getting_answers_when_a_resolver_dies(processes, tmp_path,
                                                           fake_upstream_thread):
    dnsdist = require_tool("dnsdist")
    upstream = fake_upstream_thread
    upstream.answer("www.example.", "A", "www.example. 300 IN A 192.0.2.80")
    resolvers = []
    for index in range(3):
        port = free_port()
        log = tmp_path / f"part4-{index}.log"
        process = start(processes, [
            sys.executable, "-m", "part4_cache", "--port", str(port), "--zone", str(LOCAL_ZONE),
            "--upstream", f"{upstream.host}:{upstream.port}", "--log-level", "warning",
        ], log)
        wait_until_answering(port, process, log)
        resolvers.append((port, process))
    front = free_port()
    log = tmp_path / "dnsdist.log"
    balancer = start(processes, [dnsdist, "--supervised", "--disable-syslog", "-C", str(CONFIG)],
                     log, env={
                         "DNSDIST_LISTEN": f"127.0.0.1:{front}",
                         "DNSDIST_BACKENDS": " ".join(f"127.0.0.1:{port}" for port, _ in resolvers),
                         "DNSDIST_CHECK_NAME": "home.lan.",
                     })
    wait_until_answering(front, balancer, log)

    for name in ["router.home.lan.", "www.example."] * 10:
        reply = ask(front, name, tries=3)
        assert reply is not None and reply.rcode() == dns.rcode.NOERROR and reply.answer

    _, victim = resolvers[0]
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    # For the next six seconds, every question is answered (within three
    # tries of half a second: a stub's retries); once the health checks have
    # had time to fail twice (a second apart, half a second each), at the
    # first try.
    killed_at = time.monotonic()
    first_try_misses_late = 0
    while time.monotonic() < killed_at + 6:
        reply = ask(front, "www.example.", tries=3)
        assert reply is not None, "a client got no answer at all"
        assert reply.rcode() == dns.rcode.NOERROR
        assert [rdata.address for rdata in reply.answer[0]] == ["192.0.2.80"]
        if time.monotonic() > killed_at + 4 and ask(front, "router.home.lan.") is None:
            first_try_misses_late += 1
    assert first_try_misses_late == 0
    assert balancer.poll() is None
    text = log.read_text(errors="replace")
    assert f"127.0.0.1:{resolvers[0][0]}" in text and "DOWN" in text.upper(), text
