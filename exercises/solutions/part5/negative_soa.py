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

Reference solution.
"""

from __future__ import annotations

import dns.rcode
import dns.rdatatype

from part5_checkup import Context, Result
from part5_checkup.card import failed, passed
from part5_checkup.checks import outcome

NAMES = 3


async def negative_answers_carry_soa(context: Context) -> Result:
    """NXDOMAIN for made-up names, each with the SOA of the zone above it."""
    negative_ttls, zones = [], set()
    for _ in range(NAMES):
        name = context.random_name()
        exchange = await context.udp(name)
        if not exchange.answered or exchange.reply.rcode() != dns.rcode.NXDOMAIN:
            return failed(f"{name} -> {outcome(exchange)}, not NXDOMAIN")
        soas = [rrset for rrset in exchange.reply.authority
                if rrset.rdtype == dns.rdatatype.SOA]
        if not soas:
            return failed(f"{name} -> NXDOMAIN without an SOA: nobody below can cache it")
        soa = soas[0]
        if not name.is_subdomain(soa.name) or name == soa.name:
            return failed(f"{name} -> NXDOMAIN with the SOA of {soa.name}, not a parent")
        negative_ttls.append(min(soa.ttl, soa[0].minimum))
        zones.add(soa.name.to_text())
    return passed(f"{NAMES} of {NAMES} NXDOMAIN with the SOA of {', '.join(sorted(zones))}",
                  negative_ttl=min(negative_ttls))
