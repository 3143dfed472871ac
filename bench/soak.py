"""The soak run: part 4 under a steady mixed load and a stream of garbage.

    make bench          (runs it after the comparison), or
    scripts/loopback-only .venv/bin/python bench/soak.py --seconds 120

For a bounded time (two minutes by default) dnsperf sends part 4 a mix of
cache hits, unique names (misses), NXDOMAINs and names whose upstream takes
300 ms, while a second sender fires malformed packets at it and a checker
asks a sample of the same kinds of names and compares every answer with the
one right answer (bench/soak_upstream.py computes it from the name), asking
from a loopback address of its own, as another machine of the house would.
Part 4's memory is read every few seconds: once the cache is full it must
stay flat.

Writes bench/results/soak.md and soak.json, and prints the table.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import threading
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
from soak_upstream import expected_address

from bench import HOST, LOAD_CPU, PYTHON, REPO, RESULTS, dnsperf, free_port, portable, running

CACHE_SIZE = 2000
MIX = {"h": 60, "m": 25, "nx": 10, "s": 5}  # percent of dnsperf's queries
# The checker is another member of the household: its own address, so the
# resolver's per-client limit (which the flood from dnsperf runs into) is not
# shared with it, as it would not be on a real network.
CHECKER_ADDRESS = "127.0.0.2"


def write_mix(path: Path, lines: int, rng: random.Random) -> Path:
    """dnsperf's input: hits among 100 names, unique misses, NXDOMAINs, slow names."""
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=lines)
    with open(path, "w") as out:
        for number, kind in enumerate(kinds):
            label = f"h{number % 100}" if kind == "h" else f"{kind}{number}"
            out.write(f"{label}.soak.test. A\n")
    return path


def garbage(rng: random.Random) -> bytes:
    """One malformed packet: random bytes, a valid query with bits flipped, or cut short."""
    valid = bytearray(dns.message.make_query(f"h{rng.randrange(100)}.soak.test.", "A").to_wire())
    choice = rng.randrange(3)
    if choice == 0:
        return rng.randbytes(rng.randrange(0, 300))
    if choice == 1:
        for _ in range(rng.randrange(1, 5)):
            valid[rng.randrange(len(valid))] ^= 1 << rng.randrange(8)
        return bytes(valid)
    return bytes(valid[: rng.randrange(len(valid))])


def send_garbage(port: int, until: float, per_second: int, counts: dict) -> None:
    rng = random.Random(7)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        while time.monotonic() < until:
            for _ in range(per_second // 10):
                sock.sendto(garbage(rng), (HOST, port))
                counts["garbage sent"] += 1
            try:  # drain what comes back; we only count it
                while sock.recv(65535):
                    counts["garbage answered"] += 1
            except BlockingIOError:
                pass
            time.sleep(0.1)


def is_right(name: str, kind: str, reply: dns.message.Message) -> bool:
    if kind == "nx":
        return reply.rcode() == dns.rcode.NXDOMAIN and bool(reply.authority)
    if reply.rcode() != dns.rcode.NOERROR or len(reply.answer) != 1:
        return False
    rrset = reply.answer[0]
    return [r.address for r in rrset] == [expected_address(name)] and rrset.ttl <= 3600


def check_answers(port: int, until: float, per_second: int, counts: dict) -> None:
    rng = random.Random(11)
    number = 0
    while time.monotonic() < until:
        started = time.monotonic()
        for _ in range(per_second):
            number += 1
            kind = rng.choice(list(MIX))
            # Numbers far above those of dnsperf's names: the checker's misses are its own.
            label = f"h{rng.randrange(100)}" if kind == "h" else f"{kind}{10_000_000 + number}"
            name = f"{label}.soak.test."
            counts["checked"] += 1
            try:
                reply = dns.query.udp(dns.message.make_query(name, "A"), HOST, port=port,
                                      source=CHECKER_ADDRESS, timeout=2)
            except dns.exception.Timeout:
                counts["checker lost"] += 1
                continue
            if not is_right(name, kind, reply):
                counts["wrong"] += 1
                if len(counts["wrong examples"]) < 5:
                    counts["wrong examples"].append(f"{name} -> {reply.to_text()[:300]}")
        time.sleep(max(0.0, 1 - (time.monotonic() - started)))


def soak(seconds: int, qps: int, workdir: Path, event_loop: str) -> dict:
    rng = random.Random(3)
    mix = write_mix(workdir / "mix.txt", 200_000, rng)
    upstream_port, port = free_port(), free_port()
    upstream_command = [PYTHON, str(REPO / "bench" / "soak_upstream.py"), str(upstream_port)]
    resolver_command = [PYTHON, "-m", "part4_cache", "--host", HOST, "--port", str(port),
                        "--upstream", f"{HOST}:{upstream_port}", "--cache-size",
                        str(CACHE_SIZE), "--log-level", "warning", "--event-loop", event_loop]
    counts = {"garbage sent": 0, "garbage answered": 0, "checked": 0, "checker lost": 0,
              "wrong": 0, "wrong examples": []}
    with running("soak-upstream", upstream_command, upstream_port, workdir, cpu=LOAD_CPU,
                 probe="soak.test."), \
         running("part4", resolver_command, port, workdir, probe="soak.test.") as resolver:
        rss = [(0.0, resolver.rss_mb())]
        start = time.monotonic()
        until = start + seconds
        helpers = [
            threading.Thread(target=send_garbage, args=(port, until, 300, counts)),
            threading.Thread(target=check_answers, args=(port, until, 20, counts)),
        ]
        for helper in helpers:
            helper.start()
        load = {}
        load_thread = threading.Thread(target=lambda: load.update(
            run=dnsperf(port, mix, seconds=seconds, max_qps=qps)))
        load_thread.start()
        while load_thread.is_alive():
            load_thread.join(timeout=5)
            rss.append((round(time.monotonic() - start, 1), resolver.rss_mb()))
        for helper in helpers:
            helper.join()
        alive = resolver.process.poll() is None
        final = dns.query.udp(dns.message.make_query("h1.soak.test.", "A"), HOST, port=port,
                              timeout=2)
    run = load["run"]
    warm = [mb for t, mb in rss if t >= seconds / 4]
    return {
        "seconds": seconds,
        "target_qps": qps,
        "event_loop": event_loop,
        "dnsperf": {"command": run.command, "sent": run.completed + run.lost,
                    "answered": run.completed, "lost": run.lost, "qps": round(run.qps)},
        **{k: v for k, v in counts.items()},
        "rss_mb": {"start": round(rss[0][1], 1), "after_warm_up": round(warm[0], 1),
                   "end": round(rss[-1][1], 1), "max_after_warm_up": round(max(warm), 1),
                   "samples": rss},
        "still_serving": alive and is_right("h1.soak.test.", "h", final),
    }


def write_report(result: dict) -> str:
    d, r = result["dnsperf"], result["rss_mb"]
    lines = [
        "# Soak run",
        "",
        f"Run on {time.strftime('%Y-%m-%d')}: "
        f"{result['seconds']} s of dnsperf at up to {result['target_qps']} queries a second "
        f"(60% hits, 25% unique names, 10% NXDOMAIN, 5% names whose upstream takes 300 ms), "
        f"with {result['garbage sent']} malformed packets at the same time; part 4 with "
        f"--cache-size {CACHE_SIZE} --event-loop {result['event_loop']}.",
        "",
        "| what | figure |",
        "|---|---|",
        f"| dnsperf queries sent | {d['sent']} |",
        f"| answered | {d['answered']} |",
        f"| lost | {d['lost']} |",
        f"| queries a second | {d['qps']} |",
        f"| answers checked against the right answer | {result['checked']} |",
        f"| wrong answers | {result['wrong']} |",
        f"| checker queries lost | {result['checker lost']} |",
        f"| malformed packets sent / answered (FORMERR) | {result['garbage sent']} / "
        f"{result['garbage answered']} |",
        f"| RSS at start / after warm-up / at the end (MB) | {r['start']} / "
        f"{r['after_warm_up']} / {r['end']} |",
        f"| largest RSS after warm-up (MB) | {r['max_after_warm_up']} |",
        f"| still serving at the end | {'yes' if result['still_serving'] else 'NO'} |",
        "",
        f"Load command: `{portable(d['command'])}`",
    ]
    if result["wrong examples"]:
        lines += ["", "Wrong answers seen:", ""] + [f"- `{e}`" for e in result["wrong examples"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120, help="length of the run (max 600)")
    parser.add_argument("--qps", type=int, default=2000, help="dnsperf's rate limit")
    parser.add_argument("--event-loop", default="auto", choices=["auto", "asyncio", "uvloop"],
                        help="part 4's event loop")
    args = parser.parse_args()
    seconds = min(args.seconds, 600)  # bounded, whatever is asked
    RESULTS.mkdir(parents=True, exist_ok=True)
    workdir = RESULTS / "soak"
    workdir.mkdir(exist_ok=True)
    result = soak(seconds, args.qps, workdir, args.event_loop)
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=2))
    report = write_report(result)
    (RESULTS / "soak.md").write_text(report)
    # .txt, not .md: the hardening page includes it, mkdocs must not make it a page.
    docs = REPO / "docs" / "bench"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "soak.txt").write_text(report.split("\n", 2)[2])  # without the title
    print(report)


if __name__ == "__main__":
    main()
