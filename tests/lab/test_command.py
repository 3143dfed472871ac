"""`make run` starts `python -m lab`: it comes up, the commands it prints work,
and Ctrl-C or SIGTERM stops everything it started."""

import contextlib
import importlib.util
import os
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from dnstest.peers import free_port
from dnstest.tools import require_tool

from lab import UNUSED_ADDRESS

REPO = Path(__file__).resolve().parents[2]
READY = "Ctrl-C stops everything."


def read_until(stream, marker: str) -> list[str]:
    lines = []
    for line in stream:
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError("the lab stopped before it was ready:\n" + "\n".join(lines))


@contextlib.contextmanager
def running_lab(port: int) -> Iterator[tuple[subprocess.Popen, list[str], int]]:
    """`python -m lab` until it is ready: (the process, what it printed, the resolver's PID)."""
    lab = subprocess.Popen([sys.executable, "-m", "lab", "--port", str(port)], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        printed = read_until(lab.stdout, READY)
        resolver_pid = int(next(line for line in printed if "kill -USR1" in line).split()[-1])
        yield lab, printed, resolver_pid
    finally:
        if lab.poll() is None:
            # SIGTERM, not SIGKILL: the lab then stops its resolver too. Killed,
            # it could not, and a failed test would leave the resolver running.
            lab.terminate()
            try:
                lab.wait(timeout=10)
            except subprocess.TimeoutExpired:
                lab.kill()
                lab.wait()


def printed_commands(printed: list[str]) -> list[str]:
    return [line.strip() for line in printed
            if line.startswith("  dig ") or " -m part" in line]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_lab_starts_answers_the_printed_commands_and_stops_on_ctrl_c():
    require_tool("dig")
    port = free_port()
    with running_lab(port) as (lab, printed, resolver_pid):
        commands = printed_commands(printed)
        assert len(commands) >= 8
        (card,) = [command for command in commands if " -m part5_checkup " in command]
        assert card.endswith(f" -m part5_checkup @127.0.0.1 -p {port} --unused-address "
                             f"{UNUSED_ADDRESS}")
        outputs = {}
        for command in commands:
            if " -m part5_checkup " in command and not importlib.util.find_spec("part5_checkup"):
                continue  # the report card arrives with part 5
            done = subprocess.run(shlex.split(command), cwd=REPO, capture_output=True,
                                  check=False, text=True, timeout=60)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            assert "SERVFAIL" not in done.stdout and "REFUSED" not in done.stdout, command
            outputs[command] = done.stdout
        dig = f"dig @127.0.0.1 -p {port}"
        # The card passes against the lab's resolver: no FAIL, interception tested.
        lines = outputs[card].splitlines()
        assert not [line for line in lines if line.lstrip().startswith("FAIL")], lines
        assert [line for line in lines if line.startswith("10 PASS")], lines
        assert "192.168.1.10" in outputs[f"{dig} nas.home.lan"]
        assert "status: NXDOMAIN" in outputs[f"{dig} nope.example.test"]
        assert '"addr=127.0.0.1"' in outputs[f"{dig} whoami.probe.test TXT"]
        (root,) = [command for command in outputs if command.startswith("dig @127.0.0.2 ")]
        assert "ns1.test." in outputs[root] and "127.0.0.3" in outputs[root]  # glue
        lab.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert lab.wait(timeout=10) == 0
        assert gone(resolver_pid), "the resolver outlived the lab"


def test_sigterm_stops_the_lab_and_its_resolver():
    with running_lab(free_port()) as (lab, _, resolver_pid):
        assert not gone(resolver_pid)
        lab.send_signal(signal.SIGTERM)  # what a process manager sends
        assert lab.wait(timeout=10) == 0
        assert gone(resolver_pid), "the resolver outlived the lab"


def test_a_resolver_port_in_use_is_a_clear_error_and_the_lab_stops():
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", port))
        lab = subprocess.run([sys.executable, "-m", "lab", "--port", str(port)], cwd=REPO,
                             capture_output=True, text=True, timeout=30, check=False)
    assert lab.returncode == 1
    assert "lab: the resolver did not start" in lab.stderr
    assert READY not in lab.stdout
