"""Lab.start(): the stand-in Internet, running inside the calling process.

    with Lab.start() as net:
        dns.query.udp(query, net.zones["test."][0], port=net.authority_port)

One event loop on a background thread runs every server of the tree (part
2's DnsServer, one per address), the probe, and the stand-in upstream. The
calling thread stays free for the test, notebook or command that uses them.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.message
import dns.rdatatype
import dns.zone

from part2_server import DnsServer, Endpoint, Processor, ZoneProcessor
from part2_server.server import FastPath
from part3_forwarder import compose, recursion_available
from part7_dnssec import SignedAuthority

from .probe import ProbeAuthority
from .tree import PROBE_ZONE, SERVERS, UNUSED_ADDRESS, UPSTREAM_ADDRESS, load_lab_zones

logger = logging.getLogger(__name__)

DNS_PORT = 53
START_TIMEOUT = 10.0  # seconds
FREE_PORT_TRIES = 10


@dataclass
class Lab:
    """A running lab; see LAB_INTERFACE.md and docs/lab.md."""

    root_hints: Path                  # a root-hints file: the root's NS and A records
    authority_port: int               # the port every lab server listens on
    zones: dict[str, Endpoint]        # zone origin -> (address, port) of its first server
    upstream: Endpoint                # the stand-in upstream resolver, for a forwarder
    probe_zone: str = PROBE_ZONE
    unused_address: str = UNUSED_ADDRESS
    trust_anchor: Path | None = None  # signed=True: the root's DS, for a validator
    _background: _Background | None = field(default=None, repr=False)
    _servers: list[DnsServer] = field(default_factory=list, repr=False)

    # --8<-- [start:start]
    @classmethod
    def start(cls, port: int | None = None, *, signed: bool = False) -> Lab:
        """Start every server of the lab and return once they all listen.

        `port` is the port of every authority and of the upstream. None means
        53 when it can be bound (as root, or inside `unshare -rn`, where
        `make test` runs), else one free port: see docs/lab.md for why.
        `signed=True` signs the tree first (lab/signed.py, with part 7's
        signer) and writes `trust_anchor` beside the root hints.
        """
        zones = load_lab_zones()
        ports = [port] if port is not None else [DNS_PORT] + [0] * FREE_PORT_TRIES
        root_hints = _write_root_hints(zones["."])
        trust_anchor = None
        if signed:
            from .signed import sign_lab  # needs the dnssec extra (cryptography)
            trust_anchor, _ = sign_lab(zones, root_hints.parent)
        background = _Background()
        try:
            servers, port = background.run(_serve_on_first_port(_plan(zones, signed=signed),
                                                                ports))
        except BaseException:
            background.close()
            shutil.rmtree(root_hints.parent, ignore_errors=True)
            raise
        lab = cls(root_hints=root_hints, authority_port=port,
                  zones={origin: (addresses[0], port) for origin, addresses in SERVERS.items()},
                  upstream=(UPSTREAM_ADDRESS, port), trust_anchor=trust_anchor,
                  _background=background, _servers=servers)
        logger.info("lab: %d servers on port %d", len(servers), port)
        return lab
    # --8<-- [end:start]

    def stop(self) -> None:
        """Stop every server, the event loop and its thread; remove the files."""
        if self._background is None:
            return
        try:
            self._background.run(_stop_all(self._servers))
        finally:
            self._background.close()
            self._background = None
            self._servers = []
            shutil.rmtree(self.root_hints.parent, ignore_errors=True)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Background:
    """An event loop running on a thread of its own."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lab", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run `coroutine` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(START_TIMEOUT)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT)
        self._loop.close()


# (address, processor, fast path): one server of the lab.
Plan = list[tuple[str, Processor, FastPath | None]]


# --8<-- [start:plan]
def _plan(zones: dict[str, dns.zone.Zone], *, signed: bool = False) -> Plan:
    """(address, processor, fast path) for every server the lab runs."""
    # Signed zones are served with their proofs for DO=1 queries (part 7).
    authority = SignedAuthority if signed else ZoneProcessor
    probe = ProbeAuthority(zones[PROBE_ZONE])
    plan = []
    for origin, addresses in SERVERS.items():
        processor = probe if origin == PROBE_ZONE else authority([zones[origin]])
        fast_path = probe.reflect if origin == PROBE_ZONE else None
        plan += [(address, processor, fast_path) for address in addresses]
    # The stand-in upstream answers for every zone itself, as a resolver that
    # had walked the tree would: the deepest zone that holds the name answers.
    # The probe sees the forwarder's own queries there.
    others = authority([zone for origin, zone in zones.items() if origin != PROBE_ZONE])
    # The DS of probe.test. is test.'s to give (RFC 4035 s3.1.4.1), not the probe's.
    upstream = recursion_available(compose(_ds_only(others), probe, others))
    plan.append((UPSTREAM_ADDRESS, upstream, probe.reflect))
    return plan
# --8<-- [end:plan]


def _ds_only(processor: Processor) -> Processor:
    """`processor`, asked only for DS records: the parent's side of each cut."""

    async def ds_only(query: dns.message.Message, *, src: Endpoint, dst: Endpoint
                      ) -> dns.message.Message | None:
        if query.question[0].rdtype != dns.rdatatype.DS:
            return None
        return await processor(query, src=src, dst=dst)

    return ds_only


async def _serve_on_first_port(plan: Plan, ports: list[int]) -> tuple[list[DnsServer], int]:
    """Start every server of `plan` on the first of `ports` free on all addresses.

    Port 0 means: whatever free port the first server gets, for all of them.
    """
    error: OSError | None = None
    for port in ports:
        servers: list[DnsServer] = []
        try:
            for address, processor, fast_path in plan:
                server = DnsServer(processor, fast_path=fast_path)
                await server.start(address, port)
                servers.append(server)
                port = server.port
            return servers, port
        except OSError as failure:  # 53 without privileges, or a port taken
            logger.debug("lab: port %d: %s", port, failure)
            error = failure
            await _stop_all(servers)
    raise OSError(f"the lab could not listen on port {ports[0]}: {error}")


async def _stop_all(servers: list[DnsServer]) -> None:
    for server in servers:
        await server.stop(grace=0.5)


def _write_root_hints(root: dns.zone.Zone) -> Path:
    """A root-hints file, as named.root: the root's NS records and their addresses."""
    lines = []
    for ns in root.find_rdataset(root.origin, dns.rdatatype.NS):
        lines.append(f". 3600000 NS {ns.target}")
        for address in root.find_rdataset(ns.target, dns.rdatatype.A):
            lines.append(f"{ns.target} 3600000 A {address}")
    path = Path(tempfile.mkdtemp(prefix="lab-")) / "root.hints"
    path.write_text("\n".join(lines) + "\n")
    return path
