"""A per-client rate limit: a token bucket for each client address.

Opt-in (`--rate-limit`). A client may ask `rate` questions a second on
average, in bursts of up to `burst`; beyond that it gets REFUSED until its
bucket fills again. The server applies it to every packet, before anything
else, so a client that floods us costs a dict lookup per packet and gets a
12-byte reply, never more than it sent (no amplification).

A client is an IPv4 address, or an IPv6 /56 (as knot's rate limit counts them):
a household gets a /56 or more from its provider, and any one device in it can
pick new addresses from its /64 at will. Counted address by address, IPv6
would give every client as many buckets as it likes.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable


class ClientRateLimit:
    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be above zero")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else 2 * rate)
        self.max_clients = max_clients
        self.clock = clock
        # client -> (tokens left, when we last looked); oldest clients first,
        # so forgetting the least recent one keeps memory bounded.
        self._buckets: OrderedDict[str | bytes, tuple[float, float]] = OrderedDict()

    # --8<-- [start:allow]
    def allow(self, host: str) -> bool:
        """Take one token from `host`'s bucket; False when it is empty."""
        now = self.clock()
        client = client_of(host)
        tokens, then = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        allowed = tokens >= 1
        self._buckets[client] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return allowed
    # --8<-- [end:allow]


def client_rate_limit(rate: float) -> ClientRateLimit | None:
    """The limit for `rate` queries a second per client, or None for 0 (no limit)."""
    return ClientRateLimit(rate) if rate else None


IPV6_CLIENT_BYTES = 7  # a /56: the first 56 bits


def client_of(host: str) -> str | bytes:
    """The client `host` belongs to: the address itself (IPv4), or its /56 (IPv6)."""
    if ":" not in host:
        return host
    return ipaddress.IPv6Address(host.partition("%")[0]).packed[:IPV6_CLIENT_BYTES]
