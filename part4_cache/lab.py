"""python -m part4_cache.lab: the whole resolver on one machine, offline.

`make run` starts this. It runs two programs on loopback, as two processes:

- a stand-in for the Internet: part 2 serving the example zones
  (example.test, hostile.test) on 127.0.0.1 port 8054;
- your resolver: part 4 on 127.0.0.1 port 8053, answering home.lan from its
  own zone file and forwarding everything else to the stand-in, with the cache
  in front.

Nothing leaves the machine: the only upstream is the stand-in. The lab prints
commands to try, and Ctrl-C stops both programs.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import dns.exception
import dns.message
import dns.query

from part2_server.options import port_number

ZONES = Path(__file__).resolve().parent.parent / "zones"
HOST = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds for a server to start answering


def _python() -> str:
    """How to write this Python in a command the reader can paste."""
    try:
        return os.path.relpath(sys.executable)
    except ValueError:
        return sys.executable


def commands(host: str, port: int) -> list[tuple[str, str]]:
    """(command, what it shows) for the reader to try."""
    dig = f"dig @{host} -p {port}"
    client = f"{_python()} -m part1_client"
    return [
        (f"{dig} nas.home.lan", "a local name, from zones/home.lan.zone"),
        (f"{dig} www.example.test", "forwarded, then cached: ask twice, watch the TTL drop"),
        (f"{dig} nope.example.test", "NXDOMAIN, cached for the SOA's minimum (RFC 2308)"),
        (f"{dig} MiXeD.CaSe.hostile.test +noedns", "a hit keeps your spelling of the name"),
        (f"{client} files.home.lan @{host} -p {port}", "part 1's client: a CNAME, then its A"),
        (f"{client} www.example.test AAAA @{host} -p {port} +short", "just the addresses"),
    ]


def _wait_until_answering(process: subprocess.Popen, port: int, name: str) -> None:
    query = dns.message.make_query(name, "SOA")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"it exited with status {process.returncode} (see above)")
        try:
            dns.query.udp(query, HOST, port=port, timeout=0.2)
            return
        except (dns.exception.Timeout, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"it did not answer within {START_TIMEOUT:g} s")


def _stop(processes: Sequence[subprocess.Popen]) -> None:
    """Stop our own children, by PID, newest first; kill those that linger."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m part4_cache.lab",
        description="Run the resolver and a stand-in for the Internet on loopback.")
    parser.add_argument("--port", type=port_number, default=8053,
                        help="the resolver's port (default 8053)")
    parser.add_argument("--internet-port", type=port_number, default=8054,
                        help="the stand-in Internet's port (default 8054)")
    args = parser.parse_args(argv)
    python = sys.executable
    internet_command = [
        python, "-m", "part2_server", "--host", HOST, "--port", str(args.internet_port),
        "--zone", str(ZONES / "example.test.zone"), "--zone", str(ZONES / "hostile.test.zone"),
    ]
    resolver_command = [
        python, "-m", "part4_cache", "--host", HOST, "--port", str(args.port),
        "--upstream", f"{HOST}:{args.internet_port}", "--zone", str(ZONES / "home.lan.zone"),
    ]
    # Ctrl-C, and SIGTERM (from a process manager, or a test), stop the lab.
    # SIGINT is set explicitly: a shell starting us in the background makes
    # Python ignore it otherwise.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    processes: list[subprocess.Popen] = []
    try:
        for what, command, port, probe in (
            ("the stand-in Internet", internet_command, args.internet_port, "example.test."),
            ("the resolver", resolver_command, args.port, "home.lan."),
        ):
            # A session of its own: Ctrl-C reaches the lab alone, which then
            # stops its children in order.
            processes.append(subprocess.Popen(command, start_new_session=True))
            try:
                _wait_until_answering(processes[-1], port, probe)
            except RuntimeError as error:
                print(f"lab: {what} did not start: {error}", file=sys.stderr)
                return 1
        _print_welcome(args, processes[-1].pid)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        print("lab: a server stopped on its own; stopping the other", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nlab: stopping", flush=True)
        return 0
    finally:
        _stop(processes)


def _print_welcome(args: argparse.Namespace, resolver_pid: int) -> None:
    lines = [
        "",
        "The lab is running, on loopback only:",
        (f"  the Internet (a stand-in): part 2 serving example.test and hostile.test "
         f"on {HOST} port {args.internet_port}"),
        (f"  your resolver: part 4 on {HOST} port {args.port}, home.lan from "
         f"zones/home.lan.zone, the rest forwarded to the stand-in and cached"),
        "",
        "Try:",
    ]
    for command, why in commands(HOST, args.port):
        lines.append(f"  {command}")
        lines.append(f"      # {why}")
    lines += [
        f"  kill -USR1 {resolver_pid}",
        "      # the cache's statistics, in the resolver's log",
        "",
        "Ctrl-C stops both.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
