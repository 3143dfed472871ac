"""A warning that could repeat thousands of times a second, logged once per interval.

A flood makes the same thing go wrong for every packet ("too many queries in
flight: dropping one"). One line per packet would fill the disk of a small
board and bury everything else in the log; one line per interval, with a count
of the lines held back, says the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class RateLimitedWarning:
    """`warn(...)` logs at most once per `interval` seconds; the rest are counted."""

    def __init__(self, logger: logging.Logger, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._quiet_until = float("-inf")
        self._held_back = 0

    def warn(self, message: str, *args: object) -> None:
        now = self.clock()
        if now < self._quiet_until:
            self._held_back += 1
            return
        if self._held_back:
            message += " (%d more since the last such warning)"
            args = (*args, self._held_back)
        self.logger.warning(message, *args)
        self._held_back = 0
        self._quiet_until = now + self.interval
