"""The tempting wrong forwarder: when the upstream does not answer, say "no such name".

Do not use this. It is here so that the part 3 page can show what goes wrong,
and so that a test can show that the failure-policy check catches it
(tests/part3/test_failure_policy.py).

It looks reasonable, and examples like it circulate: the lookup failed, so
the name "was not found". But NXDOMAIN is a statement about the name, not
about the network. The client (and every cache on the way) believes it and
keeps believing it for the negative TTL (RFC 2308), so a 2-second hiccup of
the upstream becomes minutes of "this site does not exist". SERVFAIL says
what really happened: "I could not find out; ask again".
"""

from __future__ import annotations

import dns.message
import dns.rcode

from part1_client import ResolveTimeout, exchange
from part2_server.processor import Endpoint, reply_with_rcode
from part3_forwarder.forwarder import make_upstream_query, relay
from part3_forwarder.upstream import Upstream


class TemptingForwarder:
    """One upstream, and a lie when it is slow."""

    def __init__(self, upstream: Upstream, timeout: float = 2.0) -> None:
        self.upstream = upstream
        self.timeout = timeout

    # --8<-- [start:wrong]
    async def __call__(
        self, query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message:
        try:
            answer = await exchange(
                make_upstream_query(query), self.upstream.host, self.upstream.port,
                timeout=self.timeout, tries=1,
            )
        except ResolveTimeout:
            return reply_with_rcode(query, dns.rcode.NXDOMAIN)  # WRONG: we do not know that
        return relay(query, answer)
    # --8<-- [end:wrong]
