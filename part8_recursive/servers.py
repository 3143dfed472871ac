"""Which of a zone's name servers to ask first: the fastest, as measured.

Every answer updates a smoothed round-trip time for the address that sent
it (the same weighting as TCP's, RFC 6298); a timeout counts as a very slow
answer, so a dead server sinks to the back of the line and is asked only
when the others fail. An address never asked starts at unbound's 376 ms,
slower than any live server on the way but ahead of one that timed out,
so each new server gets its chance.
"""

from __future__ import annotations

import random

UNKNOWN_RTT = 0.376  # seconds: unbound's UNKNOWN_SERVER_NICENESS
MIN_TIMEOUT = 0.4  # never wait less than this for one answer
MAX_TIMEOUT = 1.2  # never wait more: a dead server must not eat the client's time
SMOOTHING = 0.3  # the weight of a new sample


# --8<-- [start:rtt]
class ServerTimes:
    """Smoothed round-trip times by server address."""

    def __init__(self) -> None:
        self.rtt: dict[str, float] = {}

    def order(self, addresses: list[str]) -> list[str]:
        """`addresses`, fastest first; ties in random order (so load spreads)."""
        shuffled = random.sample(addresses, len(addresses))
        return sorted(shuffled, key=lambda address: self.rtt.get(address, UNKNOWN_RTT))

    def timeout(self, address: str) -> float:
        """How long to wait for `address`: a few of its round trips, within bounds."""
        return min(MAX_TIMEOUT, max(MIN_TIMEOUT, 4 * self.rtt.get(address, UNKNOWN_RTT)))

    def answered(self, address: str, seconds: float) -> None:
        old = self.rtt.get(address)
        self.rtt[address] = seconds if old is None else old + SMOOTHING * (seconds - old)

    def timed_out(self, address: str, waited: float) -> None:
        self.rtt[address] = max(self.rtt.get(address, 0.0), 2 * waited)
# --8<-- [end:rtt]
