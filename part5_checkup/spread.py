"""How random are a resolver's own queries? DNS-OARC's port test, in a few lines.

In July 2008 (CERT VU#800113, Kaminsky's attack) DNS-OARC set up a name,
porttest.dns-oarc.net, whose servers watched the source ports of a few dozen
queries from the asker's resolver and graded their standard deviation: GOOD
from 10,000, FAIR from 3,000, POOR below. A resolver drawing ports uniformly
from all 65,536 gets about 18,900; the best 26 queries could show was
18,000 to 20,000. Its twin, txidtest, graded query IDs the same way. (OARC
later renamed the grades GREAT, GOOD and POOR with lower bounds; we keep the
first ones, which the tests of that summer printed.)

A standard deviation says nothing about predictability (a counter that
jumps by 20,000 scores GOOD), but a low one proves a resolver easy to fool.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

# --8<-- [start:grades]
GOOD_FROM = 10_000
FAIR_FROM = 3_000


def spread_grade(values: Sequence[int]) -> tuple[str, float]:
    """("GOOD" | "FAIR" | "POOR", the standard deviation) of ports or IDs."""
    deviation = statistics.pstdev(values) if len(values) > 1 else 0.0
    if deviation >= GOOD_FROM:
        return "GOOD", deviation
    if deviation >= FAIR_FROM:
        return "FAIR", deviation
    return "POOR", deviation
# --8<-- [end:grades]
