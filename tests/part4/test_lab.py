"""`make run` starts the lab: it comes up, the commands it prints work, Ctrl-C stops it."""

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from dnstest.peers import free_port
from dnstest.tools import require_tool

REPO = Path(__file__).resolve().parents[2]


def read_until(stream, marker: str) -> list[str]:
    lines = []
    for line in stream:
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError("the lab stopped before it was ready:\n" + "\n".join(lines))


def test_lab_starts_answers_the_printed_commands_and_stops_on_ctrl_c():
    require_tool("dig")
    port, internet_port = free_port(), free_port()
    lab = subprocess.Popen(
        [sys.executable, "-m", "part4_cache.lab", "--port", str(port),
         "--internet-port", str(internet_port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        printed = read_until(lab.stdout, "Ctrl-C stops both.")
        commands = [line.strip() for line in printed
                    if line.startswith("  dig ") or " -m part1_client " in line]
        assert len(commands) >= 5
        outputs = {}
        for command in commands:
            done = subprocess.run(shlex.split(command), cwd=REPO, capture_output=True, check=False,
                                  text=True, timeout=10)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            assert "SERVFAIL" not in done.stdout and "REFUSED" not in done.stdout, command
            outputs[command] = done.stdout
        assert "192.168.1.10" in outputs[f"dig @127.0.0.1 -p {port} nas.home.lan"]
        assert "status: NXDOMAIN" in outputs[f"dig @127.0.0.1 -p {port} nope.example.test"]
        resolver_pid = int(next(line for line in printed if "kill -USR1" in line).split()[-1])
        lab.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert lab.wait(timeout=10) == 0
        try:
            os.kill(resolver_pid, 0)
        except ProcessLookupError:
            pass  # gone, as it should be
        else:
            raise AssertionError("the resolver outlived the lab")
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait()
