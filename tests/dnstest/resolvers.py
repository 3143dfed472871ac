"""Resolvers started on loopback for part 5's report card: part 4, dnsmasq, the liars.

    with dnsmasq(upstream=("127.0.0.10", 53), workdir=tmp_path) as (host, port):
        ...  # a resolver forwarding everything to the lab's stand-in upstream

Each runs in the foreground as a child of the caller, on a free port of
127.0.0.1, and is stopped by its PID when the block ends. Each forwards to
`upstream` (the lab's stand-in resolver), so the lab's probe sees their own
queries, and nothing ever leaves loopback. (unbound, which resolves from the
lab's root hints itself, is in peers.py.)
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.message
import dns.query

from .peers import HOST, free_port, in_foreground
from .tools import require_tool

Endpoint = tuple[str, int]
START_TIMEOUT = 15.0


def wait_until_answering(port: int, process: subprocess.Popen, log: Path) -> None:
    """Ask until the resolver answers anything at all (it forwards, so any rcode will do)."""
    query = dns.message.make_query("probe.test.", "SOA")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"resolver exited early: {log.read_text(errors='replace')}")
        try:
            dns.query.udp(query, HOST, port=port, timeout=0.3)
            return
        except (OSError, dns.exception.Timeout):
            time.sleep(0.1)
    raise RuntimeError(f"resolver did not answer within {START_TIMEOUT}s: "
                       f"{log.read_text(errors='replace')}")


@contextlib.contextmanager
def running(command: list[str], port: int, workdir: Path) -> Iterator[Endpoint]:
    with in_foreground(command, workdir, functools.partial(wait_until_answering, port)):
        yield HOST, port


@contextlib.contextmanager
def part4(upstream: Endpoint, workdir: Path) -> Iterator[Endpoint]:
    """Part 4 as the reader runs it: python -m part4_cache --upstream ..."""
    workdir = Path(workdir) / "part4"
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [sys.executable, "-m", "part4_cache", "--host", HOST, "--port", str(port),
               "--upstream", f"{upstream[0]}:{upstream[1]}"]
    with running(command, port, workdir) as address:
        yield address


@contextlib.contextmanager
def dnsmasq(upstream: Endpoint, workdir: Path) -> Iterator[Endpoint]:
    """dnsmasq forwarding everything to `upstream`."""
    binary = require_tool("dnsmasq")
    workdir = Path(workdir) / "dnsmasq"
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        binary, "--keep-in-foreground", "--log-facility=-", "--conf-file=/dev/null",
        "--no-resolv", "--no-hosts", "--no-poll", "--pid-file=",
        # Stay who we are: inside `unshare -rn` dnsmasq may not change groups.
        "--user=", "--group=",
        f"--listen-address={HOST}", "--bind-interfaces", f"--port={port}",
        f"--server={upstream[0]}#{upstream[1]}",
        # dnsmasq caches only A, AAAA, CNAME and SRV unless told otherwise.
        "--cache-rr=TXT", "--cache-size=1000",
    ]
    with running(command, port, workdir) as address:
        yield address


@contextlib.contextmanager
def liar(lie: str, upstream: Endpoint, workdir: Path, intercept: str) -> Iterator[Endpoint]:
    """One of part 5's lying resolvers: python -m part5_checkup.liar --lie LIE ..."""
    workdir = Path(workdir) / lie
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [sys.executable, "-m", "part5_checkup.liar", "--lie", lie,
               "--host", HOST, "--port", str(port),
               "--upstream", f"{upstream[0]}:{upstream[1]}", "--intercept", intercept]
    with running(command, port, workdir) as address:
        yield address
