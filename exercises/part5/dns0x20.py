"""Part 5, exercise 3: 0x20, a forwarder that mixes case.    (hard, about 60 minutes)

An off-path attacker who wants to slip a forged answer into a cache must
guess the query's ID (16 bits) and source port (about 15 more). The 0x20
trick (Dagon et al., 2008) adds a bit per letter of the name for free:
send the question with each letter's case chosen at random, and accept
only a reply whose question is spelled exactly the same way. Names compare
without case, so an honest server answers as usual, and copies the
question byte for byte. Check 7 of the card tests that copying; this
exercise uses it.

    forwarder = CaseRandomizingForwarder([Upstream("127.0.0.1", 8053)])

* each question goes upstream with its letters' case chosen at random
  (part5_checkup.asking.mixed_case does it), otherwise exactly as part 3's
  forwarder would ask it (part3_forwarder.forwarder.make_upstream_query);
* ask the upstreams in turn with part 1's exchange (timeout, tries=1); a
  reply whose question is not spelled exactly as sent is not believed:
  go on to the next upstream, as for one that timed out or failed;
* when one answers NOERROR or NXDOMAIN, the client gets it as part 3
  relays it (part3_forwarder.forwarder.relay): its own question, as it
  spelled it; when none does, SERVFAIL.

Grade your work with:  pytest --exercise part5
"""

from __future__ import annotations

from collections.abc import Iterable

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rrset

from part1_client import DnsClientError, exchange  # noqa: F401
from part2_server import Endpoint, reply_with_rcode  # noqa: F401
from part3_forwarder import Upstream
from part3_forwarder.forwarder import ANSWERS, make_upstream_query, relay  # noqa: F401
from part5_checkup.asking import mixed_case  # noqa: F401


class CaseRandomizingForwarder:
    """A forwarder that believes only replies spelled the way it asked."""

    def __init__(self, upstreams: Iterable[Upstream], *, timeout: float = 1.0) -> None:
        self.upstreams = list(upstreams)
        self.timeout = timeout

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message:
        raise NotImplementedError("exercise: write CaseRandomizingForwarder.__call__")
