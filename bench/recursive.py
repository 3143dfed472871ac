"""Part 8 against unbound, both recursive, resolving names nobody asked before.

    scripts/loopback-only .venv/bin/python bench/recursive.py [--names 1000]

(`make bench` runs it after the rest.) The lab's zones are served in this
process by part 2, on 127.0.0.x port 53 (so it needs the loopback-only
namespace, where 53 can be bound), each server counting the queries it
gets. Then part 8 and unbound, each a process of its own pinned to CPU 0
and started with an empty cache from the same root hints, are asked the
same list of unique names (half under a wildcard of hostile.test, half
names under example.test that do not exist), a few at a time. For each:
the CPU seconds it used (utime + stime from /proc/PID/stat) per name, and
the queries the authorities received per name.

Writes bench/results/recursive.txt and docs/bench/recursive.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import dns.asyncquery
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lab import PROBE_ZONE, SERVERS, ProbeAuthority  # noqa: E402
from lab.processes import stop_process  # noqa: E402
from lab.tree import load_lab_zones  # noqa: E402
from part2_server import DnsServer, ZoneProcessor  # noqa: E402

RESULTS = REPO / "bench" / "results"
DOCS = REPO / "docs" / "bench"
HOST = "127.0.0.1"
SERVER_CPU = "0"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
IN_FLIGHT = 10


class Counting:
    def __init__(self, inner, counts: collections.Counter, address: str) -> None:
        self.inner, self.counts, self.address = inner, counts, address

    async def __call__(self, query, *, src, dst):
        self.counts[self.address] += 1
        return await self.inner(query, src=src, dst=dst)


@contextmanager
def authorities(counts: collections.Counter):
    """The lab's zones on port 53, in a thread of this process."""
    zones = load_lab_zones()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    servers = []

    async def start():
        for origin, addresses in SERVERS.items():
            processor = (ProbeAuthority(zones[origin]) if origin == PROBE_ZONE
                         else ZoneProcessor([zones[origin]]))
            for address in addresses:
                server = DnsServer(Counting(processor, counts, address))
                await server.start(address, 53)
                servers.append(server)

    async def stop():
        for server in servers:
            await server.stop(grace=0.2)

    try:
        asyncio.run_coroutine_threadsafe(start(), loop).result(10)
        yield
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def root_hints(directory: Path) -> Path:
    root = load_lab_zones()["."]
    lines = []
    for ns in root.find_rdataset(root.origin, dns.rdatatype.NS):
        lines.append(f". 3600000 NS {ns.target}")
        lines += [f"{ns.target} 3600000 A {a}"
                  for a in root.find_rdataset(ns.target, dns.rdatatype.A)]
    path = directory / "root.hints"
    path.write_text("\n".join(lines) + "\n")
    return path


def free_port() -> int:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind((HOST, 0))
        return udp.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def part8_command(hints: Path, port: int, workdir: Path) -> list[str]:
    return ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "part8_recursive",
            "--root-hints", str(hints), "--host", HOST, "--port", str(port),
            "--log-level", "warning"]


def unbound_command(hints: Path, port: int, workdir: Path) -> list[str]:
    config = workdir / "unbound.conf"
    config.write_text(f"""server:
    interface: {HOST}@{port}
    port: {port}
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{workdir}"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 0
    num-threads: 1
    module-config: "iterator"
    root-hints: "{hints}"
    do-ip6: no
    do-not-query-localhost: no
    local-zone: "test." nodefault
    access-control: 127.0.0.0/8 allow
    qname-minimisation: yes
    discard-timeout: 0
    prefetch: no
remote-control:
    control-enable: no
""")
    return ["taskset", "-c", SERVER_CPU, "unbound", "-d", "-c", str(config)]


@contextmanager
def running(command: list[str], port: int):
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[3]} exited with {process.returncode}")
            try:
                # A name under home of nothing: the root says NXDOMAIN. Warms the
                # root and nothing else.
                dns.query.udp(dns.message.make_query("warm-up.invalid.", "A"), HOST,
                              port=port, timeout=0.5)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield process
    finally:
        stop_process(process)


async def ask_all(names: list[tuple[str, str]], port: int) -> collections.Counter:
    rcodes: collections.Counter = collections.Counter()
    queue = list(names)

    async def worker():
        while queue:
            name, rdtype = queue.pop()
            try:
                reply = await dns.asyncquery.udp(dns.message.make_query(name, rdtype), HOST,
                                                 port=port, timeout=5)
                rcodes[dns.rcode.to_text(reply.rcode())] += 1
            except Exception as error:  # a timeout is a result too
                rcodes[type(error).__name__] += 1

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return rcodes


def measure(label, command_for, hints, names, counts, workdir):
    port = free_port()
    with running(command_for(hints, port, workdir), port) as process:
        queries_before = sum(counts.values())
        cpu_before = cpu_seconds(process.pid)
        started = time.monotonic()
        rcodes = asyncio.run(ask_all(names, port))
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(process.pid) - cpu_before
        queries = sum(counts.values()) - queries_before
    return {"label": label, "names": len(names), "cpu": cpu, "queries": queries,
            "elapsed": elapsed, "rcodes": dict(rcodes)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=1000)
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {1})  # the load and the authorities on CPU 1
    stamp = f"{time.time_ns()}"
    names = [(f"r{stamp}-{i}.wild.hostile.test.", "A") if i % 2 == 0
             else (f"r{stamp}-{i}.example.test.", "A") for i in range(args.names)]
    counts: collections.Counter = collections.Counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-recursive-") as tmp, authorities(counts):
        workdir = Path(tmp)
        hints = root_hints(workdir)
        results.append(measure("part 8", part8_command, hints, names, counts, workdir))
        results.append(measure("unbound", unbound_command, hints, names, counts, workdir))
    unbound_version = subprocess.run(["unbound", "-V"], capture_output=True,
                                     text=True).stdout.splitlines()[0]
    lines = [
        f"Recursive resolution of {args.names} names nobody asked before "
        f"({datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, unbound "
        f"{unbound_version.split()[-1]}):",
        "half wildcard answers under hostile.test, half NXDOMAIN under example.test,",
        f"{IN_FLIGHT} at a time; each resolver on CPU 0, empty cache, same root hints.",
        "",
        f"{'resolver':<10} {'CPU per name':>13} {'queries per name':>17} {'wall time':>10}  rcodes",
    ]
    for result in results:
        lines.append(f"{result['label']:<10} {result['cpu'] / result['names'] * 1e6:>10.0f} µs "
                     f"{result['queries'] / result['names']:>17.2f} "
                     f"{result['elapsed']:>9.1f}s  "
                     + ", ".join(f"{k} {v}" for k, v in sorted(result["rcodes"].items())))
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "recursive.txt").write_text(text)
    DOCS.mkdir(parents=True, exist_ok=True)
    (DOCS / "recursive.txt").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
