"""The lab's map: which zone is served on which loopback address.

The zone files in lab/zones/ hold the same addresses, as NS records and glue;
the tests ask each server and check that the referrals lead where this map
says. Every address is in 127.0.0.0/8, which Linux routes to the loopback
interface as a whole: nothing needs to be configured to use them.
"""

from __future__ import annotations

from pathlib import Path

import dns.zone

from part2_server import load_zones

ZONE_FILES = Path(__file__).resolve().parent / "zones"

# --8<-- [start:tree]
# zone origin -> the loopback addresses of its name servers, as its parent's
# NS records and glue give them (the root's: as the root hints give them).
SERVERS: dict[str, list[str]] = {
    ".": ["127.0.0.2"],                         # a.root-servers.test.
    "test.": ["127.0.0.3"],                     # ns1.test.
    "example.test.": ["127.0.0.4", "127.0.0.5"],  # ns1 and ns2.example.test.
    "hostile.test.": ["127.0.0.6"],             # ns1.hostile.test.
    "probe.test.": ["127.0.0.7"],               # ns1.probe.test.: the probe
    "glueless.test.": ["127.0.0.8"],            # glueless-ns.example.test., no glue
    # Part 7's zones (signed with the tree by Lab.start(signed=True)):
    "dnssec.test.": ["127.0.0.21"],             # one DNSSEC case a name
    "bad-ds.test.": ["127.0.0.22"],             # its DS in test. matches no key
    "unsigned.test.": ["127.0.0.23"],           # an insecure delegation
}
UNUSED_ADDRESS = "127.0.0.9"    # nothing listens here, ever
UPSTREAM_ADDRESS = "127.0.0.10"  # the stand-in upstream resolver
PROBE_ZONE = "probe.test."
# Your own resolver, in `python -m lab`, takes 127.0.0.1 (port 8053).
# --8<-- [end:tree]


def zone_file(origin: str) -> Path:
    """The file that holds zone `origin` (root.zone for the root)."""
    return ZONE_FILES / ("root.zone" if origin == "." else f"{origin}zone")


def load_lab_zones() -> dict[str, dns.zone.Zone]:
    """Every zone of the tree, by origin, parsed by part 2's loader."""
    zones = load_zones(zone_file(origin) for origin in SERVERS)
    return {zone.origin.to_text(): zone for zone in zones}
