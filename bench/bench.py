"""The benchmark behind docs/performance.md (run it with `make bench`).

Side by side, on loopback only, each run bounded in time:

- cache hits: part 4 (stock asyncio, then uvloop), dnsmasq and unbound (one
  thread), all caching forwarders in front of the same nsd upstream;
- cache misses: the same four, asked unique names that nsd answers from a
  wildcard, so every query goes upstream;
- latency at low load (median and p99) on hits;
- part 4's memory (RSS) holding 10,000 and 100,000 answers;
- part 2 as an authoritative server against nsd and knot on the same zone;
- a profile of part 4 answering hits.

The machine has 2 cores: the server under test runs on CPU 0 and the load
generator (dnsperf) on CPU 1, each pinned with taskset. Since dnsperf can
then be the ceiling, the figure that compares servers is CPU time per query:
the server's CPU seconds (utime + stime from /proc/PID/stat) over the queries
it answered.

Writes bench/results/: results.json, results.md (the table, with the date,
the machine and the exact commands), chart.png, profile.txt; and copies the
table and chart into docs/bench/ for the performance page.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
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
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dns.exception
import dns.message
import dns.query

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DOCS = REPO / "docs" / "bench"
HOST = "127.0.0.1"
SERVER_CPU = "0"
LOAD_CPU = "1"
ZONE = "bench.test."
HIT_NAMES = 100
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
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
            cpu: str = SERVER_CPU, probe: str = ZONE) -> Iterator[Running]:
    """Start `command` pinned to `cpu`, wait until it answers, stop it by PID."""
    log = workdir / f"{name}.log"
    full = [tool("taskset"), "-c", cpu, *command]
    with open(log, "wb") as out:
        process = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
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
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- load --------------------------------------------------------------------------

@dataclasses.dataclass
class Load:
    command: str
    completed: int
    lost: int
    qps: float
    latencies: list[float] = dataclasses.field(default_factory=list)


def dnsperf(port: int, datafile: Path, *, seconds: float | None = None, runs: int | None = None,
            max_qps: int | None = None, verbose: bool = False, mode: str = "udp") -> Load:
    command = [tool("taskset"), "-c", LOAD_CPU, tool("dnsperf"), "-s", HOST, "-p", str(port),
               "-d", str(datafile), "-t", "2"]
    if mode != "udp":
        command += ["-m", mode]  # tcp, dot or doh
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


def part4_command(port: int, upstream: int, loop: str, cache_size: int = 10000) -> list[str]:
    return [PYTHON, "-m", "part4_cache", "--host", HOST, "--port", str(port),
            "--upstream", f"{HOST}:{upstream}", "--event-loop", loop,
            "--cache-size", str(cache_size), "--log-level", "warning"]


# -- the runs ------------------------------------------------------------------------

def run_resolvers(workdir: Path, upstream: int, seconds: int, out: dict) -> None:
    hits = write_names(workdir / "hits.txt", [f"www{i}.{ZONE}" for i in range(HIT_NAMES)])
    resolvers = {
        "part 4 (asyncio)": lambda port: part4_command(port, upstream, "asyncio"),
        "part 4 (uvloop)": lambda port: part4_command(port, upstream, "uvloop"),
        "dnsmasq": lambda port: dnsmasq_command(port, upstream),
        "unbound": lambda port: unbound_command(workdir, port, upstream),
    }
    for index, (name, make_command) in enumerate(resolvers.items()):
        port = free_port()
        misses = write_names(workdir / f"misses-{index}.txt",
                             (f"m{index}x{i}.{ZONE}" for i in range(400_000)))
        print(f"bench: {name}", flush=True)
        with running(f"resolver-{index}", make_command(port), port, workdir) as server:
            dnsperf(port, hits, runs=2)  # fill the cache
            result = {"hits": measured(server, hits, seconds=seconds)}
            result["latency"] = low_load_latency(server, hits, max(2, seconds // 3))
            result["misses"] = measured(server, misses, seconds=seconds, runs=1)
            result["server_command"] = " ".join(shlex.quote(p) for p in server.command[3:])
            result["rss_mb_after"] = round(server.rss_mb(), 1)
        out["resolvers"][name] = result
        print(f"bench:   {json.dumps(result['hits'])}", flush=True)


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
    command = part4_command(port, upstream, "uvloop", cache_size=100_000)
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
        "part 2 (uvloop)": lambda port: [PYTHON, "-m", "part2_server", "--host", HOST,
                                         "--port", str(port), "--zone", str(zone),
                                         "--event-loop", "uvloop", "--log-level", "warning"],
        "nsd": lambda port: nsd_command(workdir, port, zone),
        "knot": lambda port: knot_command(workdir, port, zone),
    }
    for index, (name, make_command) in enumerate(servers.items()):
        print(f"bench: authoritative {name}", flush=True)
        port = free_port()
        with running(f"auth-{index}", make_command(port), port, workdir) as server:
            dnsperf(port, hits, runs=1)
            result = measured(server, hits, seconds=seconds)
            result["server_command"] = " ".join(shlex.quote(p) for p in server.command[3:])
        out["authoritative"][name] = result


def run_floor(workdir: Path, seconds: int, out: dict) -> None:
    """What the event loop costs before any DNS work: bench/echo.py, both ways."""
    hits = workdir / "hits.txt"
    for loop in ("asyncio", "uvloop"):
        for mode in ("transport", "direct"):
            name = f"echo, {loop}, {mode}"
            print(f"bench: {name}", flush=True)
            port = free_port()
            command = [PYTHON, str(REPO / "bench" / "echo.py"), "--port", str(port),
                       "--loop", loop, "--mode", mode]
            with running(f"echo-{loop}-{mode}", command, port, workdir) as server:
                result = measured(server, hits, seconds=seconds)
                result["server_command"] = " ".join(shlex.quote(p) for p in server.command[3:])
            out["floor"][name] = result


def run_profile(workdir: Path, upstream: int, seconds: int, out: dict) -> None:
    """Part 4 (uvloop) answering hits under cProfile: where does the time go?"""
    print("bench: profile", flush=True)
    port = free_port()
    profile = workdir / "part4.prof"
    command = part4_command(port, upstream, "uvloop")
    command[1:1] = ["-m", "cProfile", "-o", str(profile)]
    hits = workdir / "hits.txt"
    with running("profile", command, port, workdir) as server:
        dnsperf(port, hits, runs=2)
        load = dnsperf(server.port, hits, seconds=seconds)
    deadline = time.monotonic() + 10
    while not profile.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = RESULTS / "profile.txt"
    with open(text, "w") as stream:
        stream.write(f"part 4 (uvloop) answering {load.completed} cache hits under cProfile\n"
                     f"(cProfile slows Python code down; read the shares, not the times)\n\n")
        pstats.Stats(str(profile), stream=stream).sort_stats("tottime").print_stats(18)
    out["profile"] = {"file": "profile.txt", "queries": load.completed}


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
    out["micro"] = {"fast_path_us": round(fast * 1e6, 2), "slow_path_hit_us": round(slow * 1e6, 1)}


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
        "dnsperf " + subprocess.run([tool("dnsperf"), "-h"], capture_output=True, text=True,
                                    check=False).stdout.split("Version")[-1].strip(),
    ])


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value and base else "-"


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
            "**Part 4's memory** (RSS of the whole process, uvloop):",
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
    floor = out.get("floor", {})
    if floor:
        lines += ["", "**The floor**: bench/echo.py sends each packet back and does nothing "
                  "else; what it costs is the event loop and the socket calls alone.", "",
                  "| echo server | qps | CPU µs/packet |", "|---|---:|---:|"]
        for name, result in floor.items():
            lines.append(f"| {name} | {result['qps']:,} | {result['cpu_us_per_query']} |")
    micro = out.get("micro")
    if micro:
        lines += ["", f"In-process, without sockets: a fast-path hit takes "
                      f"{micro['fast_path_us']} µs; the same hit the slow way (parse, look "
                      f"up, render with dnspython) {micro['slow_path_hit_us']} µs."]
    lines += ["", "Commands (dnsperf runs pinned with `taskset -c 1`, servers with "
                  "`taskset -c 0`):", "", "```"]
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
    """Part 4's targets on cache hits, and what this run reached."""
    resolvers = out["resolvers"]
    base = resolvers["dnsmasq"]["hits"]["cpu_us_per_query"]
    rows = ["| target | reached | |", "|---|---|---|"]
    for name, limit in (("part 4 (uvloop)", 1.5), ("part 4 (asyncio)", 4.0)):
        cpu = resolvers[name]["hits"]["cpu_us_per_query"]
        verdict = "met" if cpu <= limit * base else "missed"
        rows.append(f"| {name}: CPU per hit at most {limit}x dnsmasq's | {cpu / base:.2f}x "
                    f"({cpu} µs against {base} µs) | {verdict} |")
    memory = out.get("memory")
    if memory:
        rss = memory["rss_mb_100000"]
        verdict = "met" if rss <= 100 else "missed"
        rows.append(f"| part 4: RSS with 100,000 answers at most 100 MB | {rss} MB "
                    f"({memory['entries_100000']:,} cached) | {verdict} |")
    return "\n".join(rows) + "\n"


def write_board_table(out: dict) -> str:
    """What each part costs, for the board page: CPU per query and memory."""
    part4 = out["resolvers"].get("part 4 (uvloop)", {})
    part2 = out["authoritative"].get("part 2 (uvloop)", {})
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
    lines = [f"Measured by `make bench` on {out['date']} ({out['machine']}), uvloop:", "",
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
                 "resolvers": {}, "authoritative": {}, "floor": {}}
    with tempfile.TemporaryDirectory(prefix="dns-bench-") as temporary:
        workdir = Path(temporary)
        zone = workdir / "bench.test.zone"
        write_zone(zone)
        upstream = free_port()
        # The upstream shares CPU 1 with dnsperf: only the miss runs load it.
        with running("upstream", nsd_command(workdir, upstream, zone), upstream, workdir,
                     cpu=LOAD_CPU):
            run_resolvers(workdir, upstream, args.seconds, out)
            run_memory(workdir, upstream, out)
            run_profile(workdir, upstream, max(3, args.seconds // 2), out)
        run_authoritative(workdir, zone, args.seconds, out)
        run_floor(workdir, max(3, args.seconds // 2), out)
    run_micro(out)
    out["elapsed_s"] = round(time.monotonic() - started)
    (RESULTS / "results.json").write_text(json.dumps(out, indent=2) + "\n")
    table = write_markdown(out)
    (RESULTS / "results.md").write_text(table)
    write_chart(out, RESULTS / "chart.png")
    DOCS.mkdir(parents=True, exist_ok=True)
    # .txt, not .md: the performance page includes it, mkdocs must not make it a page.
    shutil.copy(RESULTS / "results.md", DOCS / "results.txt")
    (DOCS / "summary.txt").write_text(write_summary(out))
    (DOCS / "targets.txt").write_text(write_targets(out))
    shutil.copy(RESULTS / "chart.png", DOCS / "chart.png")
    shutil.copy(RESULTS / "profile.txt", DOCS / "profile.txt")
    (DOCS / "board.txt").write_text(write_board_table(out))
    print(table)
    print(f"bench: done in {out['elapsed_s']} s; results in {RESULTS.relative_to(REPO)} "
          f"and {DOCS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
