"""--workers N: several processes on one port, each answering, all told of signals.

The kernel shares clients out among SO_REUSEPORT sockets by a hash of the
client's address and port, so each question here comes from a new socket
(a new source port), to be shared out among both workers; every answer must
be right, before and after a reload.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import pytest
from dnstest.peers import free_port

REPO = Path(__file__).resolve().parents[2]


def zone_text(serial: int, address: str) -> str:
    return ("$ORIGIN workers.test.\n$TTL 300\n"
            f"@ SOA ns1 hostmaster {serial} 7200 900 1209600 300\n@ NS ns1\n"
            f"ns1 A 192.0.2.1\nwww A {address}\n")


@pytest.fixture
def server(tmp_path):
    """python -m part2_server --workers 2 on a free port; stopped by PID at the end."""
    zone = tmp_path / "workers.test.zone"
    zone.write_text(zone_text(1, "192.0.2.10"))
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "part2_server", "--zone", str(zone), "--port", str(port),
             "--workers", "2", "--log-level", "info"],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_lines(log, "serving workers.test.", 2)
        yield process, port, zone, log
    finally:
        for pid in [*workers_of(process.pid), process.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait()


def workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def wait_for_lines(log: Path, text: str, count: int, within: float = 20.0) -> list[str]:
    """Wait until `count` lines of the log contain `text`; those lines."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text().splitlines() if text in line]
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"not {count} lines with {text!r} in: {log.read_text()}")


def addresses(port: int, count: int = 40) -> set[str]:
    """Ask www.workers.test. `count` times, each from a new source port."""
    seen = set()
    for _ in range(count):
        query = dns.message.make_query("www.workers.test.", "A")
        for _attempt in range(3):
            try:
                reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=1)
                break
            except dns.exception.Timeout:
                continue
        else:
            raise AssertionError("no answer in three tries")
        seen |= {rdata.address for rdata in reply.answer[0]}
    return seen


def process_ids(lines: list[str]) -> set[int]:
    return {int(re.search(r"\[(\d+)\]", line).group(1)) for line in lines}


def test_two_workers_answer_reload_on_sighup_and_stop_on_sigterm(server):
    process, port, zone, log = server
    workers = workers_of(process.pid)
    assert len(workers) == 2
    assert process_ids(wait_for_lines(log, "serving workers.test.", 2)) == set(workers)
    assert addresses(port) == {"192.0.2.10"}

    zone.write_text(zone_text(2, "192.0.2.20"))
    process.send_signal(signal.SIGHUP)
    reloaded = wait_for_lines(log, "reloaded workers.test. (serial 2)", 2)
    assert process_ids(reloaded) == set(workers)   # each worker, once
    assert addresses(port) == {"192.0.2.20"}       # whichever worker answers

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert process_ids(wait_for_lines(log, "stopping", 2)) == set(workers)
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_a_worker_that_dies_stops_the_others_with_an_error(server):
    process, _port, _zone, log = server
    first, second = workers_of(process.pid)
    os.kill(first, signal.SIGKILL)
    assert process.wait(timeout=15) != 0
    assert f"worker {first} exited" in log.read_text()
    assert not Path(f"/proc/{second}").exists()


def test_workers_need_a_fixed_port():
    done = subprocess.run(
        [sys.executable, "-m", "part2_server", "--zone", str(REPO / "zones" / "example.test.zone"),
         "--port", "0", "--workers", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "--workers above 1 needs a --port other than 0" in done.stderr
