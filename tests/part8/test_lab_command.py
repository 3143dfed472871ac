"""`python -m lab --recursive`: the lab with part 8 as your resolver, no upstream."""

import signal
import subprocess
import sys
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
from dnstest.peers import free_port

REPO = Path(__file__).resolve().parents[2]


def test_the_lab_runs_part_8_and_it_walks_the_tree():
    port = free_port()
    lab = subprocess.Popen([sys.executable, "-m", "lab", "--recursive", "--port", str(port)],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        printed = []
        for line in lab.stdout:
            printed.append(line)
            if "Ctrl-C stops everything." in line:
                break
        assert any("your resolver: part 8" in line for line in printed), printed
        reply = dns.query.udp(dns.message.make_query("www.glueless.test.", "A"), "127.0.0.1",
                              port=port, timeout=5)
        assert reply.rcode() == dns.rcode.NOERROR
        assert "192.0.2.91" in reply.answer[0].to_text()
        local = dns.query.udp(dns.message.make_query("nas.home.lan.", "A"), "127.0.0.1",
                              port=port, timeout=5)
        assert local.answer
        lab.send_signal(signal.SIGINT)
        assert lab.wait(timeout=10) == 0
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait()
