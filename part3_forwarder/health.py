"""Which upstreams to ask first: set aside the ones that keep failing.

The rule, kept simple enough to state in one breath: after `max_failures`
failures in a row an upstream is set aside for `rest` seconds; while it rests
the others are asked without waiting for it. When the rest is over it is
asked again in its usual place; one success clears its record, one more
failure sets it aside again at once. If every upstream is resting, all are
asked anyway: trying a sick upstream beats answering SERVFAIL without trying.
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
    failures_in_a_row: int = 0
    resting_until: float = 0.0


# --8<-- [start:health]
class UpstreamHealth:
    """The failure record of each upstream, and the order to ask them in."""

    def __init__(
        self,
        upstreams: Sequence[Upstream],
        *,
        max_failures: int = 3,
        rest: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstreams = list(upstreams)
        self.max_failures = max_failures
        self.rest = rest
        self.clock = clock
        self._records = {upstream: _Record() for upstream in self.upstreams}

    def order(self) -> list[Upstream]:
        """The upstreams to ask, in configured order, leaving out resting ones."""
        now = self.clock()
        awake = [u for u in self.upstreams if self._records[u].resting_until <= now]
        return awake or list(self.upstreams)

    def succeeded(self, upstream: Upstream) -> None:
        record = self._records[upstream]
        if record.failures_in_a_row >= self.max_failures:
            logger.warning("upstream %s answers again", upstream)
        record.failures_in_a_row = 0
        record.resting_until = 0.0

    def failed(self, upstream: Upstream, why: str) -> None:
        record = self._records[upstream]
        record.failures_in_a_row += 1
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
