"""python -m lab: the stand-in Internet and your resolver, on one machine, offline.

`make run` starts this. It runs, on loopback only:

- the stand-in Internet (lab.Lab, in this process): a root, test. and the
  zones under it, each served by part 2 on its own 127.0.0.x address, the
  probe zone, and a stand-in upstream resolver;
- your resolver: part 4 on 127.0.0.1 port 8053 (a process of its own),
  answering home.lan from its zone file and forwarding everything else to the
  stand-in upstream, with the cache in front.

It prints commands to try. Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

import dns.exception
import dns.message
import dns.query

from part2_server.options import env, port_number

from .network import Lab
from .processes import stop_process
from .tree import SERVERS, ZONE_FILES

HOST = "127.0.0.1"
HOME_ZONE = ZONE_FILES / "home.lan.zone"
START_TIMEOUT = 10.0  # seconds for the resolver to start answering


def _python() -> str:
    """How to write this Python in a command the reader can paste."""
    try:
        return os.path.relpath(sys.executable)
    except ValueError:
        return sys.executable


def commands(net: Lab, host: str, port: int) -> list[tuple[str, str]]:
    """(command, what it shows) for the reader to try."""
    dig = f"dig @{host} -p {port}"
    python = _python()
    root, _ = net.zones["."]
    return [
        (f"{dig} nas.home.lan", "a local name, from zones/home.lan.zone"),
        (f"{dig} www.example.test", "forwarded, then cached: ask twice, watch the TTL drop"),
        (f"{dig} nope.example.test", "NXDOMAIN, cached for the SOA's minimum (RFC 2308)"),
        (f"{dig} MiXeD.CaSe.hostile.test +noedns", "a hit keeps your spelling of the name"),
        (f"{python} -m part1_client files.home.lan @{host} -p {port}",
         "part 1's client: a CNAME, then its A"),
        (f"{python} -m part1_client www.example.test AAAA @{host} -p {port} +short",
         "just the addresses"),
        (f"{dig} whoami.probe.test TXT",
         "what the stand-in Internet saw of your resolver's own query: address, port, ID"),
        (f"dig @{root} -p {net.authority_port} www.example.test +norecurse",
         "ask the root yourself: a referral to test., with glue"),
        (f"{python} -m part5_checkup @{host} -p {port} --unused-address {net.unused_address}",
         "the report card: is it lying? (part 5; nothing listens on the unused address)"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab",
        description="Run a stand-in Internet and your resolver (part 4) on loopback.")
    parser.add_argument("--port", type=port_number, default=env("DNS_PORT", "8053"),
                        help="your resolver's port (env DNS_PORT, default 8053)")
    parser.add_argument("--authority-port", type=port_number,
                        default=env("DNS_LAB_AUTHORITY_PORT"),
                        help="the port of every server of the stand-in Internet "
                        "(env DNS_LAB_AUTHORITY_PORT; default 53 when it can be bound, "
                        "else a free one)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--recursive", action="store_true",
                       default=env("DNS_LAB_RECURSIVE", "no").lower() in ("1", "yes", "true"),
                       help="run part 8 instead of part 4: your resolver walks the lab's "
                       "tree from its root hints, with no upstream (env DNS_LAB_RECURSIVE=yes)")
    which.add_argument("--dnssec", action="store_true",
                       help="sign the stand-in Internet and run part 7, validating, "
                       "instead of part 4 (docs/part7.md)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="lab: %(message)s")
    # Ctrl-C, and SIGTERM (from a process manager, or a test), stop the lab.
    # SIGINT is set explicitly: a shell starting us in the background makes
    # Python ignore it otherwise.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    try:
        with Lab.start(args.authority_port, signed=args.dnssec) as net:
            return _run_resolver(net, args.port, args.recursive)
    except KeyboardInterrupt:
        print("\nlab: stopped", flush=True)
        return 0
    except OSError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 1


def resolver_command(net: Lab, port: int, recursive: bool = False) -> list[str]:
    """Part 4 forwarding to the lab's upstream, part 7 validating in a signed lab,
    or (`recursive`) part 8 from its root hints."""
    local = ["--host", HOST, "--port", str(port), "--zone", str(HOME_ZONE)]
    if recursive:
        return [sys.executable, "-m", "part8_recursive", *local,
                "--root-hints", str(net.root_hints), "--authority-port", str(net.authority_port)]
    upstream_host, upstream_port = net.upstream
    forwarding = [*local, "--upstream", f"{upstream_host}:{upstream_port}"]
    if net.trust_anchor is not None:   # a signed lab (--dnssec): part 7, validating
        return [sys.executable, "-m", "part7_dnssec", *forwarding,
                "--trust-anchor", str(net.trust_anchor)]
    return [sys.executable, "-m", "part4_cache", *forwarding]


def _run_resolver(net: Lab, port: int, recursive: bool = False) -> int:
    """Run part 4 (or part 8) in front of `net` until it stops or we are interrupted."""
    command = resolver_command(net, port, recursive)
    # A session of its own: Ctrl-C reaches the lab alone, which then stops it.
    resolver = subprocess.Popen(command, start_new_session=True)
    try:
        try:
            _wait_until_answering(resolver, port, "home.lan.")
        except RuntimeError as error:
            print(f"lab: the resolver did not start: {error}", file=sys.stderr)
            return 1
        _print_welcome(net, port, resolver.pid, recursive)
        resolver.wait()
        print("lab: the resolver stopped on its own; stopping the lab", file=sys.stderr)
        return 1
    finally:
        stop_process(resolver)


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



def _print_welcome(net: Lab, port: int, resolver_pid: int, recursive: bool = False) -> None:
    servers = ", ".join(f"{'the root' if origin == '.' else origin} on {' and '.join(addresses)}"
                        for origin, addresses in SERVERS.items())
    lines = [
        "",
        "The lab is running, on loopback only:",
        f"  the stand-in Internet (part 2), port {net.authority_port}: {servers}",
        f"  its upstream resolver, for forwarders: {net.upstream[0]} port {net.upstream[1]}",
        (f"  your resolver: part 8 on {HOST} port {port}, home.lan from "
         f"zones/home.lan.zone, the rest looked up from the root hints and cached"
         if recursive else
         f"  your resolver: part 4 on {HOST} port {port}, home.lan from "
         f"zones/home.lan.zone, the rest forwarded to that upstream and cached"),
        "",
        "Try:",
    ]
    for command, why in commands(net, HOST, port):
        lines.append(f"  {command}")
        lines.append(f"      # {why}")
    lines += [
        f"  kill -USR1 {resolver_pid}",
        "      # the cache's statistics, in the resolver's log",
        "",
        "Ctrl-C stops everything.",
    ]
    print("\n".join(lines), flush=True)
