"""Starting, stopping and reloading the programs of parts 2 to 4."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.peers import free_port

REPO = Path(__file__).resolve().parents[2]
ZONE = REPO / "zones" / "example.test.zone"
FORWARDING = ["part3_forwarder", "part4_cache"]


@pytest.fixture
def programs():
    """Start programs; whatever a failed test leaves running is ended by its PID."""
    started = []

    def start(module, *flags):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DNS_")}
        process = subprocess.Popen([sys.executable, "-m", module, *flags], cwd=REPO, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def ask(port, name, timeout=3.0):
    query = dns.message.make_query(name, "A")
    return dns.query.udp(query, "127.0.0.1", port=port, timeout=timeout)


def wait_until_answering(port, name="ns1.example.test.", within=10.0):
    deadline = time.monotonic() + within
    while True:
        try:
            return ask(port, name, timeout=0.2)
        except dns.exception.Timeout:
            assert time.monotonic() < deadline, "the server never answered"


@pytest.mark.parametrize("module", FORWARDING)
def test_sigterm_finishes_queries_in_flight_and_exits_0(programs, fake_upstream_thread, module):
    fake_upstream_thread.answer("slow.example.", "A", "slow.example. 300 IN A 127.0.0.7",
                                delay=0.5)
    port = free_port()
    process = programs(module, "--port", str(port), "--zone", str(ZONE),
                       "--upstream", f"127.0.0.1:{fake_upstream_thread.port}")
    wait_until_answering(port)
    replies = []
    asking = threading.Thread(target=lambda: replies.append(ask(port, "slow.example.")))
    asking.start()
    deadline = time.monotonic() + 5
    while not fake_upstream_thread.queries_for("slow.example."):
        assert time.monotonic() < deadline, "the query never reached the upstream"
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)  # while the upstream is still thinking
    asking.join(timeout=10)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert replies and replies[0].answer[0][0].address == "127.0.0.7"
    assert "Traceback" not in err


@pytest.mark.parametrize("module", ["part2_server", *FORWARDING])
@pytest.mark.parametrize("trouble, flags, message", [
    ("a missing zone file", ["--zone", "no/such.zone"], "no/such.zone"),
    ("an address not on this machine", ["--host", "192.0.2.1"], "cannot listen on 192.0.2.1"),
])
def test_start_up_trouble_is_one_clear_line(programs, module, trouble, flags, message):
    common = ["--port", str(free_port())]
    if module != "part2_server":
        common += ["--upstream", "127.0.0.1:9"]
    if "--zone" not in flags:
        common += ["--zone", str(ZONE)]
    process = programs(module, *common, *flags)
    _, err = process.communicate(timeout=10)
    assert process.returncode not in (0, None)
    assert message in err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if not line.startswith("usage:")]) <= 2


@pytest.mark.parametrize("module", ["part2_server", *FORWARDING])
def test_a_port_in_use_is_one_clear_line(programs, module):
    port = free_port()
    first = programs("part2_server", "--port", str(port), "--zone", str(ZONE))
    wait_until_answering(port)
    flags = ["--port", str(port), "--zone", str(ZONE)]
    if module != "part2_server":
        flags += ["--upstream", "127.0.0.1:9"]
    second = programs(module, *flags)
    _, err = second.communicate(timeout=10)
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}" in err
    assert "Traceback" not in err
    first.terminate()


def wait_for_answer(port, name, address, within=5.0):
    deadline = time.monotonic() + within
    while True:
        reply = ask(port, name, timeout=1)
        if reply.answer and reply.answer[0][0].address == address:
            return
        assert time.monotonic() < deadline, f"{name} never became {address}"
        time.sleep(0.05)


@pytest.mark.parametrize("module", FORWARDING)
def test_sighup_reloads_zones_and_hosts_without_dropping_queries(
        programs, fake_upstream_thread, tmp_path, module):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE.read_text())
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.21 printer.lan\n")
    port = free_port()
    process = programs(module, "--port", str(port), "--zone", str(zone), "--hosts", str(hosts),
                       "--upstream", f"127.0.0.1:{fake_upstream_thread.port}")
    wait_until_answering(port)
    # A client asking all along: not one of its questions may go unanswered.
    answered, stop = [], threading.Event()

    def keep_asking():
        while not stop.is_set():
            try:
                answered.append(ask(port, "printer.lan.", timeout=1).rcode())
            except dns.exception.Timeout:
                answered.append("lost")

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        zone.write_text(zone.read_text() + "\nadded 300 IN A 127.0.0.31\n")
        hosts.write_text("127.0.0.21 printer.lan\n127.0.0.22 scanner.lan\n")
        process.send_signal(signal.SIGHUP)
        wait_for_answer(port, "added.example.test.", "127.0.0.31")
        wait_for_answer(port, "scanner.lan.", "127.0.0.22")
        hosts.write_text("127.0.0.21 printer.lan\n127.0.0.300 broken.lan\n")
        process.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        wait_for_answer(port, "scanner.lan.", "127.0.0.22", within=1)  # the old data stays
    finally:
        stop.set()
        asker.join()
    assert len(answered) > 10 and set(answered) == {dns.rcode.NOERROR}
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "reload failed" in err
    assert f"{hosts}:2" in err
