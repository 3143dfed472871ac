"""A small DNS tree on loopback, for exercise 3 (iterate.py). Run it, don't edit it.

A root server, a server for test., one for example.test. and one for
far.test., each a part 2 server on its own 127.0.0.x address, all on one
port, as real servers are all on port 53. In one terminal:

    python exercises/part1/tree.py

and in another, once your iterate.py works:

    python exercises/part1/iterate.py www.example.test --root 127.0.0.11 --port 8053

Names to try: www.example.test (glue all the way), web.example.test (a CNAME
in the zone), www.far.test (a delegation without glue), shop.example.test
(a CNAME into another zone), nope.example.test (NXDOMAIN), www.loop.test (a
referral that leads nowhere). The grading tests serve this same tree.

On macOS only 127.0.0.1 answers until you add the others (docs/teachers.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from part2_server import DnsServer, Processor, ZoneProcessor, load_zones

ROOT, TLD, EXAMPLE, FAR = "127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"
SOA = "SOA ns hostmaster 1 7200 900 1209600 300"

# Each server's zone, by the server's address.
ZONES = {
    ROOT: f"""$ORIGIN .
$TTL 3600
@               {SOA.replace("ns hostmaster", "a.root-servers. hostmaster.root-servers.")}
@               NS   a.root-servers.
a.root-servers. A    {ROOT}
test.           NS   ns.nic.test.
ns.nic.test.    A    {TLD}
""",
    TLD: f"""$ORIGIN test.
$TTL 3600
@               {SOA.replace("ns hostmaster", "ns.nic hostmaster.nic")}
@               NS   ns.nic
ns.nic          A    {TLD}
example         NS   ns.example
ns.example      A    {EXAMPLE}
; far.test's server is named inside example.test: no glue here.
far             NS   ns.far.example.test.
; a delegation that points back at this very server
loop            NS   ns.loop
ns.loop         A    {TLD}
""",
    EXAMPLE: f"""$ORIGIN example.test.
$TTL 3600
@               {SOA}
@               NS   ns
ns              A    {EXAMPLE}
www             A    192.0.2.80
web             CNAME www
shop            CNAME www.far.test.
ns.far          A    {FAR}
""",
    FAR: f"""$ORIGIN far.test.
$TTL 3600
@               {SOA.replace("ns hostmaster", "ns.far.example.test. hostmaster")}
@               NS   ns.far.example.test.
www             A    192.0.2.99
""",
}


def zone_processors(directory: Path) -> dict[str, ZoneProcessor]:
    """One processor per server address, its zone written to `directory` and loaded."""
    processors = {}
    for address, text in ZONES.items():
        path = directory / f"{address}.zone"
        path.write_text(text)
        processors[address] = ZoneProcessor(load_zones([path]))
    return processors


@contextlib.asynccontextmanager
async def serving(processors: Mapping[str, Processor], port: int) -> AsyncIterator[int]:
    """Every server of the tree on its own address, all on one port, which it
    yields (port 0: the one the kernel picks for the root). OSError when an
    address is not a loopback address here, or the port is taken on one."""
    async with contextlib.AsyncExitStack() as stack:
        root = DnsServer(processors[ROOT])
        await root.start(ROOT, port)
        stack.push_async_callback(root.stop)
        for address in (TLD, EXAMPLE, FAR):
            server = DnsServer(processors[address])
            await server.start(address, root.port)
            stack.push_async_callback(server.stop)
        yield root.port


async def serve(port: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with serving(zone_processors(Path(directory)), port) as bound:
            print(f"the tree is up: root {ROOT}, test. {TLD}, example.test. {EXAMPLE}, "
                  f"far.test. {FAR}, all on port {bound}. Ctrl-C stops it.", flush=True)
            await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a small DNS tree for iterate.py.")
    parser.add_argument("--port", type=int, default=8053, help="the servers' port (8053)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        pass
    except OSError as error:
        parser.exit(1, f"cannot serve the tree: {error}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
