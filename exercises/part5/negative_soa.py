"""Part 5, exercise 2: a new check for the card.    (medium, about 30 minutes)

"No such name" is cached too, and the SOA record in the authority section
says for how long (RFC 2308 s3 and s5). A resolver that drops it leaves
every device below it unable to cache the answer, so each typo is asked
again and again. Write the check, the way part5_checkup/checks.py writes
its own:

    result = await negative_answers_carry_soa(context)

* ask three random names that cannot exist (context.random_name(), over
  UDP with context.udp);
* FAIL when one gets no answer or anything but NXDOMAIN (say what came:
  "timed out", "NOERROR", ...), or when its authority section has no SOA,
  or an SOA whose owner is not a parent of the name asked (not the zone
  the name would be in);
* otherwise PASS, with the SOA's zone in the evidence ("invalid."), and
  the negative TTL it sets, min(SOA TTL, SOA MINIMUM), as the figure
  "negative_ttl" (the smallest of the three).

Grade your work with:  pytest --exercise part5
"""

from __future__ import annotations

import dns.rcode
import dns.rdatatype  # noqa: F401

from part5_checkup import Context, Result
from part5_checkup.card import failed, passed  # noqa: F401 (a Result each)
from part5_checkup.checks import outcome  # noqa: F401 ("NXDOMAIN", "timed out"...)

NAMES = 3


async def negative_answers_carry_soa(context: Context) -> Result:
    """NXDOMAIN for made-up names, each with the SOA of the zone above it."""
    raise NotImplementedError("exercise: write negative_answers_carry_soa")
