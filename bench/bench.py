"""The benchmark behind docs/performance.md (run it with `make bench`).

Side by side, on loopback only, each run bounded in time:

- cache hits: part 4 (stock asyncio, then uvloop), dnsmasq and unbound (one
  thread), all caching forwarders in front of the same nsd upstream;
- cache misses: the same four, asked unique names that nsd answers from a
  wildcard, so every query goes upstream;
- latency at low load (median and p99) on hits;
- part 4's memory (RSS) holding 10,000 and 100,000 answers;
- part 2 as an authoritative server against nsd and knot on the same zone;
- part 4 with --workers 1 and 2 (more cores), and dnsdist in front of two
  part 4 instances (more machines, here on one);
- profiles of part 4 answering hits and misses, and of part 2 answering.

Throughput and low-load latency are each measured twice on the same running
server and the better run is kept: on a shared machine one run can lose a
second to someone else's work, and a server cannot run faster than it can.
The servers compared run side by side and take turns (`alternated`), so that
a slow minute falls on all of them rather than on whichever ran then.

The machine has 2 cores: the server under test runs on CPU 0 and the load
generator (dnsperf) on CPU 1, each pinned with taskset. Since dnsperf can
then be the ceiling, the figure that compares servers is CPU time per query:
the server's CPU seconds (utime + stime from /proc/PID/stat) over the queries
it answered.

Writes bench/results/: results.json, results.md (the table, with the date,
the machine and the exact commands), chart.png, profile-*.txt; and copies the
table, the targets, the chart and the profiles into docs/bench/ for the
performance page.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import functools
import json
import os
import platform
import pstats
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dns.exception
import dns.message
import dns.query

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lab.processes import stop_process  # noqa: E402

RESULTS = REPO / "bench" / "results"
DOCS = REPO / "docs" / "bench"
HOST = "127.0.0.1"
SERVER_CPU = "0"
LOAD_CPU = "1"
ZONE = "bench.test."
HIT_NAMES = 100
TRIES = 2  # runs per throughput and latency figure; the better one is kept
LOCAL_ZONE = REPO / "zones" / "home.lan.zone"  # what dnsdist's health checks ask for
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
C_ECHO = "echo in C (bench/echo.c)"
BEST_PYTHON_ECHO = "echo, uvloop, batches"  # how part 2's server reads UDP, default loop
PYTHON = sys.executable


def free_port() -> int:
    """A port free for UDP and TCP on loopback right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((HOST, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((HOST, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


def tool(name: str) -> str:
    for directory in (None, "/usr/sbin", "/sbin"):
        path = shutil.which(name, path=directory)
        if path:
            return path
    raise SystemExit(f"bench: {name} is not installed (bench/run installs it)")


# -- processes -------------------------------------------------------------------

@dataclasses.dataclass
class Running:
    name: str
    command: list[str]
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """utime + stime of the server, its threads and its child processes.

        nsd answers from a child process it forks: the parent's own times
        would say it costs nothing. (taskset execs the server: same PID.)
        """
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.pid))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0  # gone meanwhile
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15: utime, stime


def _process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants alive now (from the parent PIDs in /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))  # field 4: ppid
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


@contextmanager
def running(name: str, command: Sequence[str], port: int, workdir: Path,
            cpu: str = SERVER_CPU, probe: str = ZONE,
            environment: dict[str, str] | None = None) -> Iterator[Running]:
    """Start `command` pinned to `cpu`, wait until it answers, stop it by PID."""
    log = workdir / f"{name}.log"
    full = [tool("taskset"), "-c", cpu, *command]
    with open(log, "wb") as out:
        process = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
                                   env={**os.environ, **(environment or {})})
    server = Running(name, full, port, process, log)
    try:
        query = dns.message.make_query(probe, "SOA")
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                dns.query.udp(query, HOST, port=port, timeout=0.3)
                break
            except (dns.exception.Timeout, OSError):
                if time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{name} did not answer: {tail}") from None
                time.sleep(0.1)
        yield server
    finally:
        stop_process(process, timeout=10)


# -- load --------------------------------------------------------------------------

@dataclasses.dataclass
class Load:
    command: str
    completed: int
    lost: int
    qps: float
    latencies: list[float] = dataclasses.field(default_factory=list)


def dnsperf(port: int, datafile: Path, *, seconds: float | None = None, runs: int | None = None,
            max_qps: int | None = None, verbose: bool = False, mode: str = "udp",
            clients: int = 1) -> Load:
    command = [tool("taskset"), "-c", LOAD_CPU, tool("dnsperf"), "-s", HOST, "-p", str(port),
               "-d", str(datafile), "-t", "2"]
    if mode != "udp":
        command += ["-m", mode]  # tcp, dot or doh
    if clients > 1:
        command += ["-c", str(clients)]
    if seconds is not None:
        command += ["-l", str(seconds)]
    if runs is not None:
        command += ["-n", str(runs)]
    if max_qps is not None:
        command += ["-Q", str(max_qps)]
    if verbose:
        command += ["-v"]
    limit = (seconds or 60) + 30
    output = subprocess.run(command, capture_output=True, text=True, timeout=limit,
                            check=True).stdout
    completed = int(re.search(r"Queries completed:\s+(\d+)", output).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", output).group(1))
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", output).group(1))
    latencies = [float(m) for m in re.findall(r"^> \S+ .* ([\d.]+)$", output, re.MULTILINE)]
    shown = " ".join(shlex.quote(part) for part in command[3:])  # without taskset
    return Load(shown, completed, lost, qps, latencies)


def measured(server: Running, datafile: Path, **options) -> dict:
    """Run dnsperf against `server`: qps, and the server's CPU per answered query."""
    before = server.cpu_seconds()
    load = dnsperf(server.port, datafile, **options)
    cpu = server.cpu_seconds() - before
    return {
        "qps": round(load.qps),
        "completed": load.completed,
        "lost": load.lost,
        "cpu_us_per_query": round(cpu / load.completed * 1e6, 1) if load.completed else None,
        "command": load.command,
    }


def alternated(runs: dict, better: str = "cpu_us_per_query") -> dict:
    """Each of `runs` (key: a function that measures once) TRIES times, in turn; the best of each.

    Taking turns, rather than all of one server's runs and then the next's,
    lets a slow minute of the shared machine fall on every server alike; of
    each server's runs the one with the least `better` is kept, since a
    server cannot run faster than it can.
    """
    results: dict = {key: [] for key in runs}
    for _ in range(TRIES):
        for key, run in runs.items():
            results[key].append(run())
    return {key: min(found, key=lambda run: run[better] or float("inf"))
            for key, found in results.items()}


def side_by_side(stack: contextlib.ExitStack, prefix: str,
                 makers: dict[Hashable, Callable[[int], list[str]]], workdir: Path,
                 **options) -> dict[Hashable, Running]:
    """Start every server `makers` makes (one per key, on a free port), to run side by side.

    They all stop when `stack` closes; `options` go to `running`.
    """
    servers = {}
    for index, (key, make_command) in enumerate(makers.items()):
        port = free_port()
        servers[key] = stack.enter_context(
            running(f"{prefix}-{index}", make_command(port), port, workdir, **options))
    return servers


def command_of(server: Running) -> str:
    return " ".join(shlex.quote(part) for part in server.command[3:])  # without taskset


def low_load_latency(server: Running, datafile: Path, seconds: int) -> dict:
    load = dnsperf(server.port, datafile, seconds=seconds, max_qps=1000, verbose=True)
    latencies = sorted(load.latencies)
    if not latencies:
        return {"median_us": None, "p99_us": None, "command": load.command}
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {"median_us": round(statistics.median(latencies) * 1e6),
            "p99_us": round(p99 * 1e6), "samples": len(latencies), "command": load.command}


# -- what is served -------------------------------------------------------------

def write_zone(path: Path) -> None:
    lines = [
        f"$ORIGIN {ZONE}", "$TTL 3600",
        "@ SOA ns1 hostmaster 1 7200 900 1209600 300", "@ NS ns1", "ns1 A 192.0.2.53",
        "* A 192.0.2.99",  # every other name exists: unique names for the miss runs
    ]
    lines += [f"www{i} A 192.0.2.{i % 250 + 1}" for i in range(HIT_NAMES)]
    path.write_text("\n".join(lines) + "\n")


def write_names(path: Path, names: Iterator[str] | Sequence[str]) -> Path:
    path.write_text("".join(f"{name} A\n" for name in names))
    return path


def nsd_command(workdir: Path, port: int, zone: Path) -> list[str]:
    directory = workdir / f"nsd-{port}"
    directory.mkdir()
    config = directory / "nsd.conf"
    config.write_text(
        "server:\n"
        f"    ip-address: {HOST}@{port}\n    port: {port}\n    server-count: 1\n"
        "    username: \"\"\n    chroot: \"\"\n"
        f"    zonesdir: \"{directory}\"\n    database: \"\"\n"
        f"    zonelistfile: \"{directory}/zone.list\"\n    xfrdfile: \"{directory}/xfrd.state\"\n"
        f"    pidfile: \"{directory}/nsd.pid\"\n    hide-version: yes\n    verbosity: 0\n"
        "    rrl-ratelimit: 0\n"  # Debian's nsd rate-limits by default: not in a benchmark
        "remote-control:\n    control-enable: no\n"
        f"zone:\n    name: \"{ZONE}\"\n    zonefile: \"{zone}\"\n"
    )
    return [tool("nsd"), "-d", "-c", str(config)]


def knot_command(workdir: Path, port: int, zone: Path) -> list[str]:
    directory = workdir / f"knot-{port}"
    (directory / "db").mkdir(parents=True)
    config = directory / "knot.conf"
    config.write_text(
        "server:\n"
        f"    rundir: \"{directory}\"\n    listen: {HOST}@{port}\n"
        "    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"
        "log:\n  - target: stderr\n    any: warning\n"
        f"database:\n    storage: \"{directory}/db\"\n"
        "template:\n  - id: default\n"
        f"    storage: \"{directory}/db\"\n    zonefile-sync: -1\n    journal-content: none\n"
        f"zone:\n  - domain: \"{ZONE}\"\n    file: \"{zone}\"\n"
    )
    return [tool("knotd"), "-c", str(config)]


def dnsmasq_command(port: int, upstream: int) -> list[str]:
    return [tool("dnsmasq"), "-k", "--no-resolv", "--no-hosts", f"--server={HOST}#{upstream}",
            f"--port={port}", f"--listen-address={HOST}", "--bind-interfaces",
            "--cache-size=10000", "--cache-rr=A", "--pid-file=", "--user=", "--group=",
            "--log-facility=-"]


def unbound_command(workdir: Path, port: int, upstream: int) -> list[str]:
    config = workdir / f"unbound-{port}.conf"
    config.write_text(
        "server:\n"
        f"    interface: {HOST}@{port}\n    port: {port}\n    num-threads: 1\n"
        "    do-daemonize: no\n    username: \"\"\n    chroot: \"\"\n"
        f"    directory: \"{workdir}\"\n    pidfile: \"\"\n    use-syslog: no\n"
        "    logfile: \"\"\n    verbosity: 0\n    do-ip6: no\n"
        "    access-control: 127.0.0.0/8 allow\n"
        "    do-not-query-localhost: no\n"  # our upstream lives on loopback
        "    module-config: \"iterator\"\n"  # no DNSSEC: no trust anchor to fetch
        # Never the real root: everything is forwarded to the loopback upstream,
        # and any zone but ours is refused outright.
        "    local-zone: \".\" refuse\n"
        f"    local-zone: \"{ZONE}\" transparent\n"
        f"forward-zone:\n    name: \"{ZONE}\"\n    forward-addr: {HOST}@{upstream}\n"
    )
    return [tool("unbound"), "-d", "-c", str(config)]


def part4_command(port: int, upstream: int, loop: str = "auto", cache_size: int = 10000,
                  *extra: str) -> list[str]:
    return [PYTHON, "-m", "part4_cache", "--host", HOST, "--port", str(port),
            "--upstream", f"{HOST}:{upstream}", "--event-loop", loop,
            "--cache-size", str(cache_size), "--log-level", "warning", *extra]


def default_loop() -> str:
    """What --event-loop auto picks: uvloop when it is installed."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


# -- the runs ------------------------------------------------------------------------

def run_resolvers(workdir: Path, upstream: int, seconds: int, out: dict) -> None:
    hits = write_names(workdir / "hits.txt", [f"www{i}.{ZONE}" for i in range(HIT_NAMES)])
    resolvers = {
        "part 4 (asyncio)": lambda port: part4_command(port, upstream, "asyncio"),
        "part 4 (uvloop)": lambda port: part4_command(port, upstream, "uvloop"),
        "dnsmasq": lambda port: dnsmasq_command(port, upstream),
        "unbound": lambda port: unbound_command(workdir, port, upstream),
    }
    with contextlib.ExitStack() as stack:
        servers = side_by_side(stack, "resolver", resolvers, workdir)
        for server in servers.values():
            dnsperf(server.port, hits, runs=2)  # fill the cache
        print("bench: hits", flush=True)
        hit_runs = alternated({name: functools.partial(measured, server, hits, seconds=seconds)
                               for name, server in servers.items()})
        print("bench: low load", flush=True)
        latencies = alternated({name: functools.partial(low_load_latency, server, hits,
                                                        max(3, seconds // 2))
                                for name, server in servers.items()}, better="p99_us")
        for index, (name, server) in enumerate(servers.items()):
            print(f"bench: misses, {name}", flush=True)
            misses = write_names(workdir / f"misses-{index}.txt",
                                 (f"m{index}x{i}.{ZONE}" for i in range(400_000)))
            out["resolvers"][name] = {
                "hits": hit_runs[name], "latency": latencies[name],
                "misses": measured(server, misses, seconds=seconds, runs=1),
                "server_command": command_of(server), "rss_mb_after": round(server.rss_mb(), 1)}
            print(f"bench:   {json.dumps(hit_runs[name])}", flush=True)


def entries_logged(server: Running) -> int:
    """Ask part 4 for its statistics (SIGUSR1) and read the entry count from its log."""
    before = server.log.read_text().count("cache:")
    os.kill(server.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        text = server.log.read_text()
        if text.count("cache:") > before:
            return int(re.findall(r"cache: (\d+) entries", text)[-1])
        time.sleep(0.05)
    raise RuntimeError("no statistics in the log")


def run_memory(workdir: Path, upstream: int, out: dict) -> None:
    print("bench: memory", flush=True)
    port = free_port()
    # Room for the 100,000 answers and the start-up probe's: a full cache
    # evicts a hundredth of itself at once, which would leave 99,000.
    command = part4_command(port, upstream, cache_size=101_000)
    command[command.index("warning")] = "info"  # the statistics are logged at info
    memory = {"server_command": " ".join(shlex.quote(p) for p in command)}
    with running("memory", command, port, workdir) as server:
        memory["rss_mb_start"] = round(server.rss_mb(), 1)
        filled = 0
        for target in (10_000, 100_000):
            names = write_names(workdir / f"fill-{target}.txt",
                                (f"f{i}.{ZONE}" for i in range(filled, target)))
            for _ in range(3):  # dnsperf may lose a few: ask again for those
                dnsperf(port, names, runs=1, seconds=120)
                if entries_logged(server) >= target:
                    break
            filled = target
            memory[f"entries_{target}"] = entries_logged(server)
            memory[f"rss_mb_{target}"] = round(server.rss_mb(), 1)
    out["memory"] = memory


def run_authoritative(workdir: Path, zone: Path, seconds: int, out: dict) -> None:
    hits = workdir / "hits.txt"
    servers = {
        "part 2": lambda port: [PYTHON, "-m", "part2_server", "--host", HOST,
                                "--port", str(port), "--zone", str(zone),
                                "--log-level", "warning"],
        "nsd": lambda port: nsd_command(workdir, port, zone),
        "knot": lambda port: knot_command(workdir, port, zone),
    }
    print("bench: authoritative servers", flush=True)
    with contextlib.ExitStack() as stack:
        running_servers = side_by_side(stack, "auth", servers, workdir)
        for server in running_servers.values():
            dnsperf(server.port, hits, runs=1)
        best = alternated({name: functools.partial(measured, server, hits, seconds=seconds)
                           for name, server in running_servers.items()})
        for name, server in running_servers.items():
            out["authoritative"][name] = {**best[name], "server_command": command_of(server)}


WORKER_CLIENTS = 16  # dnsperf's sockets in the workers runs: SO_REUSEPORT shares them out


def run_workers(workdir: Path, upstream: int, seconds: int, out: dict) -> None:
    """Part 4 with --workers 1 and 2 (default loop), on both CPUs: CPU per hit and qps.

    Both servers run at once and the runs alternate between them, so that a
    slow minute of the machine falls on both. Three comparisons:

    - as fast as they answer: on 2 CPUs, the second worker shares CPU 1 with
      dnsperf, and one busy worker takes bigger batches than two half-busy
      ones (udp_batches.py), so this one favours a single worker;
    - the same load per worker: one worker at RATE, two at 2 x RATE. This is
      the scaling question: does a worker cost more per query because
      another one runs beside it?
    - the same total load, RATE: each of two workers gets half, so fewer
      packets per wake-up.

    RATE is a third of what one worker answered flat out. dnsperf asks from
    WORKER_CLIENTS sockets, so that SO_REUSEPORT, which shares clients out
    by a hash of their address and port, shares them out about evenly.
    """
    hits = workdir / "hits.txt"
    with contextlib.ExitStack() as stack:
        servers = side_by_side(stack, "workers", {
            workers: lambda port, workers=workers: part4_command(
                port, upstream, "auto", 10000, "--workers", str(workers))
            for workers in (1, 2)}, workdir, cpu="0,1")
        for server in servers.values():
            for _ in range(2):  # every worker has every name
                dnsperf(server.port, hits, runs=2, clients=WORKER_CLIENTS)

        def run(workers: int, rate: int | None = None) -> Callable[[], dict]:
            return functools.partial(measured, servers[workers], hits, seconds=seconds,
                                     clients=WORKER_CLIENTS, max_qps=rate)

        print("bench: part 4, --workers 1 and 2, flat out", flush=True)
        busy = alternated({1: run(1), 2: run(2)})
        rate = max(1000, busy[1]["qps"] // 3 // 1000 * 1000)
        print(f"bench: part 4, --workers 1 and 2, at {rate} and {2 * rate} a second", flush=True)
        paced = alternated({"rate_1": run(1, rate), "rate_2": run(2, 2 * rate),
                            "same_total_2": run(2, rate)})
        for result, workers in ((busy[1], 1), (busy[2], 2), (paced["rate_1"], 1),
                                (paced["rate_2"], 2), (paced["same_total_2"], 2)):
            result["server_command"] = command_of(servers[workers])
    out["workers"] = {"rate": rate, "busy_1": busy[1], "busy_2": busy[2], **paced}


def dnsdist_config(workdir: Path, port: int, backends: Sequence[int]) -> tuple[list[str], dict]:
    """deploy/dnsdist.conf as shipped, and the environment it reads its addresses from."""
    environment = {"DNSDIST_LISTEN": f"{HOST}:{port}",
                   "DNSDIST_BACKENDS": " ".join(f"{HOST}:{b}" for b in backends),
                   "DNSDIST_CHECK_NAME": "home.lan."}
    return ([tool("dnsdist"), "--supervised", "--disable-syslog", "-C",
             str(REPO / "deploy" / "dnsdist.conf")], environment)


def run_dnsdist(workdir: Path, upstream: int, seconds: int, out: dict) -> None:
    """dnsdist in front of two part 4 instances, everything on CPU 0: hits through it."""
    print("bench: dnsdist in front of two part 4", flush=True)
    hits = workdir / "hits.txt"
    ports = [free_port(), free_port()]
    with contextlib.ExitStack() as stack:
        backends = [stack.enter_context(running(
            f"backend-{index}",
            part4_command(port, upstream, "auto", 10000, "--zone", str(LOCAL_ZONE)),
            port, workdir)) for index, port in enumerate(ports)]
        front = free_port()
        command, environment = dnsdist_config(workdir, front, ports)
        balancer = stack.enter_context(running("dnsdist", command, front, workdir,
                                               environment=environment))
        for _ in range(3):
            dnsperf(front, hits, runs=2, clients=4)  # fill both caches
        servers = [balancer, *backends]
        before = [server.cpu_seconds() for server in servers]
        load = dnsperf(front, hits, seconds=seconds, clients=4)
        spent = [server.cpu_seconds() - b for server, b in zip(servers, before, strict=True)]
    per_query = [round(cpu / load.completed * 1e6, 1) if load.completed else None for cpu in spent]
    out["dnsdist"] = {
        "qps": round(load.qps), "completed": load.completed, "lost": load.lost,
        "dnsdist_cpu_us_per_query": per_query[0],
        "backends_cpu_us_per_query": round(sum(per_query[1:]), 1) if load.completed else None,
        "command": load.command,
        "server_command": " ".join(shlex.quote(p) for p in command)
        + f"   # with {' '.join(f'{k}={v!r}' for k, v in environment.items())}",
    }


def run_floor(workdir: Path, seconds: int, out: dict) -> None:
    """What the event loop costs before any DNS work: bench/echo.py, both ways, and in C."""
    hits = workdir / "hits.txt"
    for loop in ("asyncio", "uvloop"):
        for mode in ("transport", "direct", "batches"):
            name = f"echo, {loop}, {mode}"
            print(f"bench: {name}", flush=True)
            port = free_port()
            command = [PYTHON, str(REPO / "bench" / "echo.py"), "--port", str(port),
                       "--loop", loop, "--mode", mode]
            out["floor"][name] = measured_echo(f"echo-{loop}-{mode}", command, port, workdir,
                                               hits, seconds)
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        print("bench: no C compiler, so no echo in C", flush=True)
        return
    print("bench: echo in C", flush=True)
    binary = workdir / "echo"
    subprocess.run([compiler, "-O2", "-o", str(binary), str(REPO / "bench" / "echo.c")],
                   check=True)
    port = free_port()
    out["floor"][C_ECHO] = measured_echo("echo-c", [str(binary), str(port)], port, workdir, hits,
                                         seconds)


def measured_echo(name: str, command: list[str], port: int, workdir: Path, hits: Path,
                  seconds: int) -> dict:
    with running(name, command, port, workdir) as server:
        result = measured(server, hits, seconds=seconds)
        result["server_command"] = command_of(server)
    return result


def run_profiles(workdir: Path, upstream: int, zone: Path, seconds: int, out: dict) -> None:
    """Where the time goes, under cProfile: part 4 on hits and on misses, part 2 answering."""
    hits = workdir / "hits.txt"
    misses = write_names(workdir / "misses-profile.txt",
                         (f"p{i}.{ZONE}" for i in range(200_000)))
    runs = {
        "hits": ("part 4 answering cache hits", part4_command, hits),
        "misses": ("part 4 answering cache misses (every name new)", part4_command, misses),
        "authority": ("part 2 answering from its zone", None, hits),
    }
    out["profiles"] = {}
    for what, (title, make_command, datafile) in runs.items():
        print(f"bench: profile, {what}", flush=True)
        port = free_port()
        profile = workdir / f"{what}.prof"
        if make_command is None:
            command = [PYTHON, "-m", "part2_server", "--host", HOST, "--port", str(port),
                       "--zone", str(zone), "--log-level", "warning"]
        else:
            command = make_command(port, upstream)
        command[1:1] = ["-m", "cProfile", "-o", str(profile)]
        with running(f"profile-{what}", command, port, workdir) as server:
            if what == "hits":
                dnsperf(port, hits, runs=2)
            # Each miss name once, for longer: under cProfile a miss is slow.
            load = dnsperf(server.port, datafile, seconds=seconds * 3, runs=1, max_qps=500) \
                if what == "misses" else dnsperf(server.port, datafile, seconds=seconds)
        deadline = time.monotonic() + 10
        while not profile.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        name = f"profile-{what}.txt"
        with open(RESULTS / name, "w") as stream:
            stream.write(f"{title} ({default_loop()}): {load.completed} queries under cProfile\n"
                         f"(cProfile slows Python code down; read the shares, not the times)\n\n")
            stats = pstats.Stats(str(profile), stream=stream)
            stats.sort_stats("tottime").print_stats(22)
            if what == "misses":
                stream.write(
                    "RFC 5452's protections, by cumulative time: a new socket on a random\n"
                    "port for each upstream query (socket_on_a_random_port, and its close),\n"
                    "a random port and ID (randbelow, getrandbits), and the reply checked\n"
                    "before it is believed (catch: its ID and QR bit, then plain_reply,\n"
                    "which compares the question and reads every record; is_response and\n"
                    "same_question for the replies that go the slow way)\n\n")
                stats.sort_stats("cumtime").print_stats(
                    "random_port|socket.py.*close|randb|catch|plain_reply|is_response"
                    "|same_question")
        out["profiles"][what] = {"file": name, "queries": load.completed}


def run_micro(out: dict) -> None:
    """The hit path alone, in this process: no sockets, no event loop."""
    import asyncio
    import timeit

    from part4_cache import Cache, cached

    async def inner(query, *, src, dst):
        import dns.rrset
        reply = dns.message.make_response(query)
        reply.answer.append(dns.rrset.from_text(query.question[0].name, 300, "IN", "A",
                                                "192.0.2.1"))
        return reply

    processor = cached(inner, Cache())
    query = dns.message.make_query(f"www1.{ZONE}", "A")
    asyncio.run(processor(query, src=(HOST, 1), dst=(HOST, 53)))
    wire = query.to_wire()
    source = (HOST, 5353)
    number = 100_000
    fast = min(timeit.repeat(lambda: processor.fast_path(wire, source, True), number=number,
                             repeat=5)) / number

    from part2_server.protocol import respond

    async def slow_many(count: int) -> float:
        start = time.perf_counter()
        for _ in range(count):
            await respond(wire, processor, src=source, dst=(HOST, 53), udp=True)
        return (time.perf_counter() - start) / count

    slow = min(asyncio.run(slow_many(5000)) for _ in range(3))

    # The simple cache of docs/part4.md, parsed replies in a dict, the same way.
    from part4_cache.simple import SimpleCache
    simple_cache = SimpleCache(inner)

    async def simple_many(count: int) -> float:
        await respond(wire, simple_cache, src=source, dst=(HOST, 53), udp=True)   # fill it
        start = time.perf_counter()
        for _ in range(count):
            await respond(wire, simple_cache, src=source, dst=(HOST, 53), udp=True)
        return (time.perf_counter() - start) / count

    simple = min(asyncio.run(simple_many(5000)) for _ in range(3))
    out["micro"] = {"fast_path_us": round(fast * 1e6, 2), "slow_path_hit_us": round(slow * 1e6, 1),
                    "simple_cache_hit_us": round(simple * 1e6, 1)}

    # Part 2: an answer from its table of prepared answers, and the lookup's way.
    from part2_server import load_zones
    from part2_server.prepared import PreparedZones

    with tempfile.TemporaryDirectory() as temporary:
        zone = Path(temporary) / "bench.test.zone"
        write_zone(zone)
        authority = PreparedZones(load_zones([zone]))
    asyncio.run(respond(wire, authority, src=source, dst=(HOST, 53), udp=True))  # prepares it
    prepared = min(timeit.repeat(lambda: authority.fast_path(wire, source, True), number=number,
                                 repeat=5)) / number
    authority.max_answers = 0  # nothing more is prepared: every answer the lookup's way
    authority.replace(authority.zones)

    async def lookup_many(count: int) -> float:
        start = time.perf_counter()
        for _ in range(count):
            await respond(wire, authority, src=source, dst=(HOST, 53), udp=True)
        return (time.perf_counter() - start) / count

    looked_up = min(asyncio.run(lookup_many(3000)) for _ in range(3))
    out["micro"].update(part2_prepared_us=round(prepared * 1e6, 2),
                        part2_lookup_us=round(looked_up * 1e6, 1))


def run_memory_profile(out: dict, answers: int = 10_000) -> None:
    """What one cached answer costs, by the line that allocated it (tracemalloc).

    In this process: `answers` misses through part 4's cache, each answered
    by a stand-in processor with one A record, as nsd answers the memory run.
    """
    import asyncio
    import gc
    import linecache
    import tracemalloc

    import dns.rrset

    from part4_cache import Cache, cached

    print("bench: memory profile", flush=True)

    async def inner(query, *, src, dst):
        reply = dns.message.make_response(query)
        reply.answer.append(dns.rrset.from_text(query.question[0].name, 3600, "IN", "A",
                                                "192.0.2.99"))
        return reply

    async def fill(processor) -> None:
        for i in range(answers):
            query = dns.message.make_query(f"f{i}.{ZONE}", "A")
            await processor(query, src=(HOST, 5353), dst=(HOST, 53))

    cache = Cache(answers)
    gc.collect()
    tracemalloc.start()
    asyncio.run(fill(cached(inner, cache)))
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    statistics = [stat for stat in snapshot.statistics("lineno") if stat.size >= answers * 8]
    name = "profile-memory.txt"
    with open(RESULTS / name, "w") as stream:
        stream.write(f"Part 4's cache holding {len(cache):,} answers (one A record each): "
                     f"the memory still allocated, by the line that allocated it\n\n"
                     f"{'bytes per answer':>16}  line\n")
        for stat in statistics:
            frame = stat.traceback[0]
            where = f"{Path(frame.filename).relative_to(REPO)}:{frame.lineno}" \
                if frame.filename.startswith(str(REPO)) else f"{frame.filename}:{frame.lineno}"
            code = linecache.getline(frame.filename, frame.lineno).strip()
            stream.write(f"{stat.size / answers:>16.0f}  {where}: {code}\n")
        total = sum(stat.size for stat in statistics)
        stream.write(f"{total / answers:>16.0f}  in all\n")
    out["profiles"]["memory"] = {"file": name, "queries": answers}


# -- the report ------------------------------------------------------------------------

def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return (f"{model}, {os.cpu_count()} CPUs, Linux {platform.release()}, "
            f"Python {platform.python_version()}")


def versions() -> str:
    def first_line(command: list[str]) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[0]

    import dns.version
    try:
        import uvloop
        uv = uvloop.__version__
    except ImportError:
        uv = "not installed"
    return "; ".join([
        f"dnspython {dns.version.version}", f"uvloop {uv}",
        first_line([tool("dnsmasq"), "--version"]),
        "unbound " + first_line([tool("unbound"), "-V"]).split()[-1],
        first_line([tool("nsd"), "-v"]), first_line([tool("knotd"), "--version"]),
        first_line([tool("dnsdist"), "--version"]),
        "dnsperf " + subprocess.run([tool("dnsperf"), "-h"], capture_output=True, text=True,
                                    check=False).stdout.split("Version")[-1].strip(),
    ])


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value and base else "-"


def portable(text: str, workdir: str | None = None) -> str:
    """`text` without this machine's paths, so a reader can follow the commands:
    the run's temporary directory becomes $WORKDIR, the project's interpreter
    `python`, paths in the checkout and in the standard library relative ones."""
    if workdir:
        text = text.replace(workdir, "$WORKDIR")
    text = text.replace(PYTHON, "python")
    text = text.replace(f"{REPO}/", "")
    return text.replace(sysconfig.get_paths()["stdlib"] + "/", "")


def write_markdown(out: dict) -> str:
    resolvers = out["resolvers"]
    dnsmasq_cpu = resolvers.get("dnsmasq", {}).get("hits", {}).get("cpu_us_per_query")
    lines = [
        f"Run on {out['date']} on {out['machine']}.",
        f"Versions: {out['versions']}.",
        "Server pinned to CPU 0 and dnsperf to CPU 1 (`taskset`); every run on loopback.",
        "",
        "**Caching forwarders**, all in front of the same nsd on loopback.",
        "",
        "| server | hits: qps | hits: CPU µs/query | vs dnsmasq | low load: median µs "
        "| p99 µs | misses: qps | misses: CPU µs/query |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in resolvers.items():
        hits, misses, latency = result["hits"], result["misses"], result["latency"]
        lines.append(
            f"| {name} | {hits['qps']:,} | {hits['cpu_us_per_query']} | "
            f"{ratio(hits['cpu_us_per_query'], dnsmasq_cpu)} | {latency['median_us']} | "
            f"{latency['p99_us']} | {misses['qps']:,} | {misses['cpu_us_per_query']} |")
    memory = out.get("memory", {})
    if memory:
        lines += [
            "",
            f"**Part 4's memory** (RSS of the whole process, {out['default_loop']}):",
            "",
            "| cached answers | RSS |", "|---:|---:|",
            f"| 0 (just started) | {memory['rss_mb_start']} MB |",
            f"| {memory['entries_10000']:,} | {memory['rss_mb_10000']} MB |",
            f"| {memory['entries_100000']:,} | {memory['rss_mb_100000']} MB |",
        ]
    auth = out.get("authoritative", {})
    if auth:
        lines += ["", "**Authoritative servers** on the same zone:", "",
                  "| server | qps | CPU µs/query |", "|---|---:|---:|"]
        for name, result in auth.items():
            lines.append(f"| {name} | {result['qps']:,} | {result['cpu_us_per_query']} |")
    workers = out.get("workers", {})
    if workers:
        lines += ["", "**More cores**: part 4 with `--workers`, the default event loop, "
                  f"allowed on both CPUs, dnsperf asking from {WORKER_CLIENTS} sockets (the "
                  "CPU is every worker's, added up):", "", *worker_table(workers)]
    balanced = out.get("dnsdist")
    if balanced:
        lines += ["", "**More machines**, here on one CPU: deploy/dnsdist.conf in front of two "
                  "part 4 instances, hits:", "",
                  "| qps | dnsdist's CPU µs/query | the two part 4s' CPU µs/query |",
                  "|---:|---:|---:|",
                  f"| {balanced['qps']:,} | {balanced['dnsdist_cpu_us_per_query']} | "
                  f"{balanced['backends_cpu_us_per_query']} |"]
    floor = out.get("floor", {})
    if floor:
        lines += ["", "**The floor**: bench/echo.py sends each packet back and does nothing "
                  "else; what it costs is the event loop and the socket calls alone. "
                  "bench/echo.c does the same in C: the system calls alone.", "",
                  "| echo server | qps | CPU µs/packet |", "|---|---:|---:|"]
        for name, result in floor.items():
            lines.append(f"| {name} | {result['qps']:,} | {result['cpu_us_per_query']} |")
    micro = out.get("micro")
    if micro:
        lines += ["", f"In-process, without sockets: a fast-path hit takes "
                      f"{micro['fast_path_us']} µs; the same hit the slow way (parse, look "
                      f"up, render with dnspython) {micro['slow_path_hit_us']} µs; a hit in "
                      f"the simple cache of part 4's page {micro['simple_cache_hit_us']} µs. "
                      f"Part 2 answers from its prepared answers in "
                      f"{micro['part2_prepared_us']} µs, and the lookup's way in "
                      f"{micro['part2_lookup_us']} µs."]
    lines += ["", "Commands (dnsperf runs pinned with `taskset -c 1`, servers with "
                  "`taskset -c 0`; `$WORKDIR` is the run's temporary directory, and the "
                  "ports are free ones picked at each run):", "", "```"]
    for name, result in resolvers.items():
        lines.append(f"# {name}")
        lines.append(result["server_command"])
        lines.append(result["hits"]["command"] + "   # hits")
        lines.append(result["latency"]["command"] + "   # low load")
        lines.append(result["misses"]["command"] + "   # misses")
    if memory:
        lines += ["# memory", memory["server_command"]]
    for name, result in auth.items():
        lines += [f"# authoritative: {name}", result["server_command"], result["command"]]
    for name, result in worker_runs(workers):
        lines += [f"# part 4, {name} (taskset -c 0,1)", result["server_command"],
                  result["command"]]
    if balanced:
        lines += ["# dnsdist", balanced["server_command"], balanced["command"]]
    for name, result in floor.items():
        lines += [f"# {name}", result["server_command"], result["command"]]
    lines.append("```")
    return "\n".join(lines) + "\n"


def write_summary(out: dict) -> str:
    """The few lines the part 4 page quotes."""
    resolvers = out["resolvers"]
    base = resolvers["dnsmasq"]["hits"]["cpu_us_per_query"]
    lines = []
    for name, result in resolvers.items():
        hits = result["hits"]
        lines.append(f"- **{name}**: {hits['cpu_us_per_query']} µs of CPU per hit "
                     f"({ratio(hits['cpu_us_per_query'], base)} dnsmasq's), {hits['qps']:,} "
                     f"hits a second, median latency {result['latency']['median_us']} µs "
                     f"at 1,000 queries a second;")
    memory = out.get("memory")
    if memory:
        lines.append(f"- part 4's memory: {memory['rss_mb_10000']} MB with "
                     f"{memory['entries_10000']:,} answers cached, {memory['rss_mb_100000']} MB "
                     f"with {memory['entries_100000']:,} (the whole process).")
    return "\n".join(lines) + "\n"


def write_targets(out: dict) -> str:
    """Issue 16's targets, as ratios within this run, and what the run reached."""
    resolvers = out["resolvers"]
    default = f"part 4 ({out['default_loop']})"
    dnsmasq = resolvers["dnsmasq"]
    rows = ["| target | reached | |", "|---|---|---|"]

    def row(target: str, value: float | None, base: float | None, limit: float,
            unit: str = "µs") -> None:
        if value is None or not base:
            rows.append(f"| {target} | not measured | - |")
            return
        verdict = "met" if value <= limit * base else "missed"
        rows.append(f"| {target} | {value / base:.2f}x ({value} {unit} against {base} {unit}) "
                    f"| {verdict} |")

    row(f"hits: {default}, the default loop, at most 1.25x dnsmasq's CPU (stretch: 1.0x)",
        resolvers[default]["hits"]["cpu_us_per_query"], dnsmasq["hits"]["cpu_us_per_query"],
        1.25)
    row(f"misses: {default} at most 3x dnsmasq's CPU",
        resolvers[default]["misses"]["cpu_us_per_query"],
        dnsmasq["misses"]["cpu_us_per_query"], 3.0)
    floor = out.get("floor", {})
    if BEST_PYTHON_ECHO in floor:
        rows.append(f"| (the floor: a Python echo that does no DNS, {BEST_PYTHON_ECHO}, "
                    f"against dnsmasq's whole hit) | "
                    f"{ratio_of(floor[BEST_PYTHON_ECHO], dnsmasq['hits'])} | measured |")
    if C_ECHO in floor:
        rows.append(f"| (the same echo in C, against dnsmasq's whole hit) | "
                    f"{ratio_of(floor[C_ECHO], dnsmasq['hits'])} | measured |")
    auth = out.get("authoritative", {})
    if "part 2" in auth and "nsd" in auth:
        row("authority: part 2 at most 20x nsd's CPU", auth["part 2"]["cpu_us_per_query"],
            auth["nsd"]["cpu_us_per_query"], 20.0)
    memory = out.get("memory")
    if memory:
        rss = memory["rss_mb_100000"]
        rows.append(f"| memory: part 4 at most 60 MB RSS with 100,000 answers | {rss} MB "
                    f"({memory['entries_100000']:,} cached) | {'met' if rss <= 60 else 'missed'} |")
    workers = out.get("workers", {})
    if workers:
        row("more cores: CPU per hit with 2 workers no more than with 1, at the same load "
            "per worker (10% allowed)", workers["rate_2"]["cpu_us_per_query"],
            workers["rate_1"]["cpu_us_per_query"], 1.10)
        rows.append("| (2 workers against 1, both flat out: the second shares a CPU with "
                    f"dnsperf) | {ratio_of(workers['busy_2'], workers['busy_1'])} | measured |")
        rows.append("| (2 workers against 1, the same total load: half the packets per "
                    f"worker) | {ratio_of(workers['same_total_2'], workers['rate_1'])} "
                    "| measured |")
    for name in ("part 4 (asyncio)", "part 4 (uvloop)"):
        latency = resolvers[name]["latency"]
        rows.append(f"| p99 at 1,000 queries a second, {name} | {latency['p99_us']} µs "
                    f"(dnsmasq {dnsmasq['latency']['p99_us']} µs) | measured |")
    return "\n".join(rows) + "\n"


def ratio_of(run: dict, base: dict) -> str:
    value, reference = run["cpu_us_per_query"], base["cpu_us_per_query"]
    if value is None or not reference:
        return "not measured"
    return f"{value / reference:.2f}x ({value} µs against {reference} µs)"


def worker_runs(workers: dict) -> list[tuple[str, dict]]:
    """The workers runs, each with what it was asked to do."""
    rate = workers["rate"]
    return [("--workers 1, flat out", workers["busy_1"]),
            ("--workers 2, flat out", workers["busy_2"]),
            (f"--workers 1, {rate:,} a second", workers["rate_1"]),
            (f"--workers 2, {2 * rate:,} a second ({rate:,} each)", workers["rate_2"]),
            (f"--workers 2, {rate:,} a second ({rate // 2:,} each)", workers["same_total_2"])]


def worker_table(workers: dict) -> list[str]:
    lines = ["| part 4, default loop, both CPUs allowed | hits a second | CPU µs per hit "
             "(all workers) |", "|---|---:|---:|"]
    for name, result in worker_runs(workers):
        lines.append(f"| {name} | {result['qps']:,} | {result['cpu_us_per_query']} |")
    return lines


def write_scaling(out: dict) -> str:
    """The more-cores and more-machines figures, for docs/scaling.md."""
    lines = [f"Measured by `make bench` on {out['date']} ({out['machine']}).", ""]
    workers = out.get("workers", {})
    if workers:
        lines += worker_table(workers)
    balanced = out.get("dnsdist")
    if balanced:
        lines += ["", "| dnsdist in front of two part 4s, all on one CPU | hits a second | "
                  "CPU µs per hit |", "|---|---:|---:|",
                  f"| dnsdist | {balanced['qps']:,} | {balanced['dnsdist_cpu_us_per_query']} |",
                  f"| the two part 4s | | {balanced['backends_cpu_us_per_query']} |"]
    return "\n".join(lines) + "\n"


def write_board_table(out: dict) -> str:
    """What each part costs, for the board page: CPU per query and memory."""
    part4 = out["resolvers"].get(f"part 4 ({out['default_loop']})", {})
    part2 = out["authoritative"].get("part 2", {})
    memory = out.get("memory", {})

    def cpu(run: dict) -> str:
        value = run.get("cpu_us_per_query")
        return f"{value:,.0f} µs" if value is not None else "not measured"

    rows = [
        ("part 1 (the client)", "runs once per question, then exits", "-"),
        ("part 2, answering from a zone", cpu(part2), "-"),
        ("part 3, forwarding (part 4's misses)", cpu(part4.get("misses", {})), "-"),
        ("part 4, a cache hit", cpu(part4.get("hits", {})),
         f"{memory.get('rss_mb_start', '?')} MB empty, {memory.get('rss_mb_10000', '?')} MB "
         f"with 10,000 answers, {memory.get('rss_mb_100000', '?')} MB with 100,000"),
    ]
    lines = [f"Measured by `make bench` on {out['date']} ({out['machine']}), "
             f"{out['default_loop']}:", "",
             "| what | CPU per query | memory (RSS) |", "|---|---:|---|"]
    lines += [f"| {what} | {cost} | {rss} |" for what, cost, rss in rows]
    return "\n".join(lines) + "\n"


def write_chart(out: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    resolvers = out["resolvers"]
    names = list(resolvers)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    hits = [resolvers[n]["hits"]["cpu_us_per_query"] or 0 for n in names]
    misses = [resolvers[n]["misses"]["cpu_us_per_query"] or 0 for n in names]
    left.barh(names, hits, color="#3f51b5")
    left.set_title("cache hits: server CPU per query (µs)")
    right.barh(names, misses, color="#ff9800")
    right.set_title("cache misses: server CPU per query (µs)")
    for axis, values in ((left, hits), (right, misses)):
        axis.invert_yaxis()
        for y, value in enumerate(values):
            axis.text(value, y, f" {value:g}", va="center")
        axis.set_xlim(0, max(values) * 1.25 or 1)
    figure.suptitle(f"Caching forwarders on loopback, {out['date']} (lower is better)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 8)),
                        help="length of each throughput run (default 8)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    out: dict = {"date": datetime.date.today().isoformat(), "machine": machine(),
                 "versions": versions(), "seconds": args.seconds,
                 "default_loop": default_loop(),
                 "resolvers": {}, "authoritative": {}, "floor": {}, "workers": {}}
    with tempfile.TemporaryDirectory(prefix="dns-bench-") as temporary:
        workdir = Path(temporary)
        out["workdir"] = temporary
        zone = workdir / "bench.test.zone"
        write_zone(zone)
        upstream = free_port()
        # The upstream shares CPU 1 with dnsperf: only the miss runs load it.
        with running("upstream", nsd_command(workdir, upstream, zone), upstream, workdir,
                     cpu=LOAD_CPU):
            run_resolvers(workdir, upstream, args.seconds, out)
            run_memory(workdir, upstream, out)
            run_workers(workdir, upstream, args.seconds, out)
            run_dnsdist(workdir, upstream, args.seconds, out)
            run_profiles(workdir, upstream, zone, max(3, args.seconds // 2), out)
        run_authoritative(workdir, zone, args.seconds, out)
        run_floor(workdir, max(3, args.seconds // 2), out)
    run_micro(out)
    run_memory_profile(out)
    out["elapsed_s"] = round(time.monotonic() - started)
    (RESULTS / "results.json").write_text(json.dumps(out, indent=2) + "\n")
    table = portable(write_markdown(out), out["workdir"])
    (RESULTS / "results.md").write_text(table)
    write_chart(out, RESULTS / "chart.png")
    DOCS.mkdir(parents=True, exist_ok=True)
    # .txt, not .md: the performance page includes it, mkdocs must not make it a page.
    shutil.copy(RESULTS / "results.md", DOCS / "results.txt")
    (DOCS / "summary.txt").write_text(write_summary(out))
    (DOCS / "targets.txt").write_text(write_targets(out))
    shutil.copy(RESULTS / "chart.png", DOCS / "chart.png")
    for profile in out["profiles"].values():
        text = (RESULTS / profile["file"]).read_text()
        (DOCS / profile["file"]).write_text(portable(text, out["workdir"]))
    (DOCS / "board.txt").write_text(write_board_table(out))
    (DOCS / "scaling.txt").write_text(write_scaling(out))
    print(table)
    print(f"bench: done in {out['elapsed_s']} s; results in {RESULTS.relative_to(REPO)} "
          f"and {DOCS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
