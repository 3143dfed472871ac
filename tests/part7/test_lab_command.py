"""`python -m lab --dnssec`: the signed lab, with part 7 validating in front of it."""

import signal
import subprocess
import sys
from pathlib import Path

import dns.flags
import dns.rcode

from lab.signed import TAMPERED
from tests.dnstest.peers import free_port

from .peers import ask

REPO = Path(__file__).resolve().parents[2]


def test_the_signed_lab_command_runs_a_validating_resolver():
    port = free_port()
    lab = subprocess.Popen([sys.executable, "-m", "lab", "--dnssec", "--port", str(port)],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in lab.stdout:
            if "Ctrl-C stops everything." in line:
                break
        assert ask(("127.0.0.1", port), "www.example.test.", "A").flags & dns.flags.AD
        assert ask(("127.0.0.1", port), TAMPERED, "A").rcode() == dns.rcode.SERVFAIL
    finally:
        lab.send_signal(signal.SIGTERM)
        try:
            lab.wait(timeout=15)
        except subprocess.TimeoutExpired:
            lab.kill()
            lab.wait()
    assert lab.returncode == 0
