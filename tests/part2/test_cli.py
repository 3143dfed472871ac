"""python -m part2_server as a program: flags, start-up errors, signals."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.peers import free_port

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_ZONE = REPO / "zones" / "example.test.zone"


STARTED = []


def start(*flags, env=None):
    process = subprocess.Popen(
        [sys.executable, "-m", "part2_server", *flags],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})},
    )
    STARTED.append(process)
    return process


@pytest.fixture(autouse=True)
def kill_leftovers():
    """A failed assertion must not leave a server running: end ours by PID."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.communicate()


def ask(port, name, rdtype="A", timeout=0.3):
    return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=port,
                         timeout=timeout)


def wait_for(port, name="example.test.", rdtype="SOA", within=10.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            return ask(port, name, rdtype)
        except (dns.exception.Timeout, OSError):
            time.sleep(0.05)
    raise AssertionError("server did not answer")


def stop(process):
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)
    return process.returncode, err


@pytest.fixture
def zone_copy(tmp_path):
    path = tmp_path / "example.test.zone"
    shutil.copy(EXAMPLE_ZONE, path)
    return path


def test_serves_a_zone_and_stops_cleanly_on_sigterm():
    port = free_port()
    server = start("--zone", str(EXAMPLE_ZONE), "--port", str(port))
    reply = wait_for(port)
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer[0].name.to_text() == "example.test."
    code, err = stop(server)
    assert code == 0
    assert "serving example.test. (serial" in err
    assert f"127.0.0.1 port {port}" in err


def test_settings_come_from_the_environment():
    port = free_port()
    server = start(env={"DNS_ZONES": str(EXAMPLE_ZONE), "DNS_PORT": str(port)})
    assert wait_for(port).rcode() == dns.rcode.NOERROR
    assert stop(server)[0] == 0


def test_a_flag_wins_over_the_environment():
    port = free_port()
    server = start("--port", str(port), env={"DNS_ZONES": str(EXAMPLE_ZONE),
                                              "DNS_PORT": str(free_port())})
    assert wait_for(port).rcode() == dns.rcode.NOERROR
    assert stop(server)[0] == 0


def test_a_bad_value_in_the_environment_gets_a_usage_message():
    result = subprocess.run([sys.executable, "-m", "part2_server"], cwd=REPO,
                            capture_output=True, text=True, timeout=10,
                            env={**os.environ, "DNS_ZONES": str(EXAMPLE_ZONE),
                                 "DNS_PORT": "not-a-port"})
    assert result.returncode == 2
    assert "not a port number" in result.stderr


def test_sighup_reloads_and_a_broken_zone_keeps_the_old_one(zone_copy):
    port = free_port()
    server = start("--zone", str(zone_copy), "--port", str(port))
    try:
        wait_for(port)
        assert ask(port, "added.example.test.").rcode() == dns.rcode.NXDOMAIN
        zone_copy.write_text(zone_copy.read_text() + "\nadded 300 IN A 127.0.0.99\n")
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while ask(port, "added.example.test.").rcode() != dns.rcode.NOERROR:
            assert time.monotonic() < deadline, "reload did not happen"
            time.sleep(0.05)
        zone_copy.write_text(zone_copy.read_text() + "\nbroken 300 IN AAA 1\n")
        server.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert ask(port, "added.example.test.").answer[0][0].address == "127.0.0.99"
    finally:
        code, err = stop(server)
    assert code == 0
    assert "reload failed" in err
    assert f"{zone_copy}:" in err


@pytest.mark.parametrize("flags, message", [
    (["--port", "99999"], "port out of range"),
    (["--host", "localhost"], "not an IP address"),
    (["--bogus"], "unrecognized arguments"),
    ([], "give at least one --zone"),
])
def test_bad_flags_get_a_usage_message(flags, message):
    result = subprocess.run([sys.executable, "-m", "part2_server", *flags], cwd=REPO,
                            capture_output=True, text=True, timeout=10,
                            env={k: v for k, v in os.environ.items() if k != "DNS_ZONES"})
    assert result.returncode == 2
    assert result.stderr.startswith("usage:")
    assert message in result.stderr


def test_a_broken_zone_stops_the_start_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.test.zone"
    bad.write_text("$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 300.1.1.1\n")
    result = subprocess.run(
        [sys.executable, "-m", "part2_server", "--zone", str(bad), "--port", str(free_port())],
        cwd=REPO, capture_output=True, text=True, timeout=10,
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0  # one line, no traceback
    assert f"{bad}:4" in result.stderr


def test_a_port_in_use_is_one_clear_line():
    port = free_port()
    first = start("--zone", str(EXAMPLE_ZONE), "--port", str(port))
    try:
        wait_for(port)
        second = subprocess.run(
            [sys.executable, "-m", "part2_server", "--zone", str(EXAMPLE_ZONE),
             "--port", str(port)],
            cwd=REPO, capture_output=True, text=True, timeout=10,
        )
    finally:
        stop(first)
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}" in second.stderr
    assert "Traceback" not in second.stderr
