"""Part 2, exercise 1: serve a second zone, with a wildcard.  (easy, about 20 minutes)

The server already answers for example.test. Now it should also answer for
shop.test, a zone you write yourself: edit zones/shop.test.zone next to this
file (it has only its SOA and NS records so far) so that

* shop.test itself has the address 192.0.2.80, and mail for shop.test goes
  to mail.shop.test (preference 10), whose address is 192.0.2.25;
* www.shop.test has the addresses 192.0.2.80 and 2001:db8::80;
* every other name under shop.test, however deep (tuesday.shop.test,
  a.b.shop.test), has the address 192.0.2.81: one wildcard record does it
  (RFC 4592), no need to list them;

then add the file to ZONE_FILES below. Try it:

    python -m part2_server --zone zones/example.test.zone \\
        --zone exercises/solutions/part2/zones/shop.test.zone &
    dig @127.0.0.1 -p 8053 anything.shop.test

Question to think about: why does "www.shop.test MX" get no answer at all,
not the wildcard's address, and not NXDOMAIN?

Grade your work with:  pytest --exercise part2

Reference solution. The answer to the question: www.shop.test exists (it
owns records), and a wildcard only stands in for names that do not exist
(RFC 4592 s2.2.1); so www.shop.test MX is NODATA, NOERROR with no answer.
"""

from __future__ import annotations

from pathlib import Path

from part2_server.authority import ZoneProcessor
from part2_server.zones import load_zones

HERE = Path(__file__).resolve().parent
# The repository's zones/ folder, a few levels up from this file.
REPO_ZONES = next(parent / "zones" for parent in HERE.parents
                  if (parent / "zones" / "example.test.zone").is_file())

ZONE_FILES = [
    REPO_ZONES / "example.test.zone",
    HERE / "zones" / "shop.test.zone",
]


def build_processor() -> ZoneProcessor:
    """The processor the server runs: every zone in ZONE_FILES."""
    return ZoneProcessor(load_zones(ZONE_FILES))
