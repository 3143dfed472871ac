"""Which upstreams to ask first, and how long to wait for each.

The rule for the order, kept simple enough to state in one breath: after
`max_failures` failures in a row an upstream is set aside for `rest` seconds;
while it rests the others are asked without waiting for it. When the rest is
over it is asked again in its usual place; one success clears its record, one
more failure sets it aside again at once. If every upstream is resting, all are
asked anyway: trying a sick upstream beats answering SERVFAIL without trying.

A failure is silence or a broken reply. A reply with an rcode (REFUSED,
SERVFAIL) is the upstream answering, about that one name: it says nothing
against the upstream, so a client cannot push us off a healthy upstream by
asking names it refuses.

How long to wait: each upstream's round-trip times are smoothed as TCP does
(RFC 6298 s2, and unbound keeps them the same way for each server). An
attempt waits the smoothed time plus four deviations, at least `min_attempt`;
after a timeout the wait doubles, up to `max_attempt`. So a fast upstream
that drops one packet is asked again soon, and a slow one (1.1 s, say) is
given the time it needs.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence

from .upstream import Upstream

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class _Record:
    attempt_timeout: float  # how long the next attempt waits
    failures_in_a_row: int = 0
    resting_until: float = 0.0
    smoothed_rtt: float | None = None  # None until the first answer
    rtt_deviation: float = 0.0


# --8<-- [start:health]
class UpstreamHealth:
    """The record of each upstream: the order to ask them in, and how long to wait."""

    def __init__(
        self,
        upstreams: Sequence[Upstream],
        *,
        max_failures: int = 3,
        rest: float = 30.0,
        first_attempt: float = 1.0,
        min_attempt: float = 0.3,
        max_attempt: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstreams = list(upstreams)
        self.max_failures = max_failures
        self.rest = rest
        self.min_attempt = min(min_attempt, first_attempt)
        self.max_attempt = max(max_attempt, first_attempt)
        self.clock = clock
        self._records = {upstream: _Record(first_attempt) for upstream in self.upstreams}

    def order(self) -> list[Upstream]:
        """The upstreams to ask, in configured order, leaving out resting ones."""
        now = self.clock()
        awake = [u for u in self.upstreams if self._records[u].resting_until <= now]
        return awake or list(self.upstreams)

    def attempt_timeout(self, upstream: Upstream) -> float:
        return self._records[upstream].attempt_timeout

    def succeeded(self, upstream: Upstream, rtt: float | None = None) -> None:
        """It replied (with an answer or with an rcode), after `rtt` seconds."""
        record = self._records[upstream]
        if record.failures_in_a_row >= self.max_failures:
            logger.warning("upstream %s answers again", upstream)
        record.failures_in_a_row = 0
        record.resting_until = 0.0
        if rtt is None:
            return
        if record.smoothed_rtt is None:  # RFC 6298 s2.2
            record.smoothed_rtt, record.rtt_deviation = rtt, rtt / 2
        else:  # RFC 6298 s2.3
            record.rtt_deviation = 0.75 * record.rtt_deviation + 0.25 * abs(
                record.smoothed_rtt - rtt)
            record.smoothed_rtt = 0.875 * record.smoothed_rtt + 0.125 * rtt
        wait = record.smoothed_rtt + 4 * record.rtt_deviation
        record.attempt_timeout = min(max(wait, self.min_attempt), self.max_attempt)

    def failed(self, upstream: Upstream, why: str, *, timed_out: bool = False) -> None:
        record = self._records[upstream]
        record.failures_in_a_row += 1
        if timed_out:  # RFC 6298 s5.5: back off, in case it is only slower than we thought
            record.attempt_timeout = min(2 * record.attempt_timeout, self.max_attempt)
        logger.debug("upstream %s failed: %s", upstream, why)
        if record.failures_in_a_row >= self.max_failures:
            if record.resting_until <= self.clock():  # log once per rest, not per query
                logger.warning(
                    "upstream %s failed %d times in a row (last: %s): setting it aside for %gs",
                    upstream, record.failures_in_a_row, why, self.rest,
                )
            record.resting_until = self.clock() + self.rest
# --8<-- [end:health]

    def is_resting(self, upstream: Upstream) -> bool:
        return self._records[upstream].resting_until > self.clock()
