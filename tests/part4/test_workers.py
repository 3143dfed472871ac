"""Part 4 with --workers 2: each worker has its own cache, every answer is right.

Questions come from new sockets (new source ports), so the kernel shares
them out among the workers; SIGUSR1 reaches both (each logs its statistics),
and SIGTERM stops both.
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
import dns.rcode
from dnstest.peers import free_port

REPO = Path(__file__).resolve().parents[2]


def lines_with(log: Path, text: str, count: int, within: float = 20.0) -> list[str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text().splitlines() if text in line]
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"not {count} lines with {text!r} in: {log.read_text()}")


def ask(port: int, name: str) -> dns.message.Message:
    query = dns.message.make_query(name, "A")
    for _ in range(3):
        try:
            return dns.query.udp(query, "127.0.0.1", port=port, timeout=1)
        except dns.exception.Timeout:
            continue
    raise AssertionError(f"no answer for {name}")


def test_two_caching_workers_answer_right_and_share_the_signals(tmp_path, fake_upstream_thread):
    upstream = fake_upstream_thread
    for index in range(20):
        name = f"host{index}.example."
        upstream.answer(name, "A", f"{name} 300 IN A 192.0.2.{index}")
    port = free_port()
    log = tmp_path / "part4.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "part4_cache", "--port", str(port), "--workers", "2",
             "--upstream", f"{upstream.host}:{upstream.port}", "--log-level", "info"],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        lines_with(log, "serving", 2)
        for _ in range(2):  # the second round finds the answers cached, in either worker
            for index in range(20):
                reply = ask(port, f"host{index}.example.")
                assert reply.rcode() == dns.rcode.NOERROR
                assert [rdata.address for rdata in reply.answer[0]] == [f"192.0.2.{index}"]
        process.send_signal(signal.SIGUSR1)
        statistics = lines_with(log, "cache:", 2)
        assert len({re.search(r"\[(\d+)\]", line).group(1) for line in statistics}) == 2
        hits = sum(int(re.search(r"(\d+) hits", line).group(1)) for line in statistics)
        misses = sum(int(re.search(r"(\d+) misses", line).group(1)) for line in statistics)
        assert hits + misses == 40 and misses >= 20  # each worker fills its own cache
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:  # a failed test: end the workers too, by PID
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
            for pid in [*map(int, children.split()), process.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait()
