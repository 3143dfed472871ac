"""exercises/part1/tree.py, the tree a student runs to try iterate.py: it
starts from the command line, and its root refers a question to test.'s
server, as the exercise describes."""

from __future__ import annotations

import socket
import subprocess
import sys

import dns.flags
import dns.message
import dns.query
import pytest
from exercise_files import EXERCISES


def a_free_port() -> int:
    """A UDP and TCP port free on 127.0.0.11 just now (the launcher may still
    lose it to another process: then the test says so)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.11", 0))
        except OSError as error:
            pytest.skip(f"127.0.0.11 is not a loopback address here: {error}")
        return probe.getsockname()[1]


def test_the_tree_starts_and_refers_from_the_root() -> None:
    port = a_free_port()
    launcher = subprocess.Popen(
        [sys.executable, str(EXERCISES / "part1" / "tree.py"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = launcher.stdout.readline()
        assert "the tree is up" in banner, banner + launcher.stdout.read()
        query = dns.message.make_query("www.example.test", "A")
        query.flags &= ~dns.flags.RD
        reply = dns.query.udp(query, "127.0.0.11", port=port, timeout=10)
    finally:
        launcher.terminate()   # the process this test started, by its PID
        launcher.wait(timeout=10)
    assert not reply.answer
    assert [rrset.to_text() for rrset in reply.authority] == ["test. 3600 IN NS ns.nic.test."]
    assert [rrset.to_text() for rrset in reply.additional] == ["ns.nic.test. 3600 IN A 127.0.0.12"]
