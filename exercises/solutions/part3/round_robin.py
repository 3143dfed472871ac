"""Part 3, exercise 2: round robin across upstreams.  (medium, about 30 minutes)

Part 3's Forwarder always asks its upstreams in the order given: the first
one gets every question, the others only when it fails. Spread the load
instead: each new client question starts with the next upstream in turn.

    question 1 -> A first (then B, C if A fails)
    question 2 -> B first (then C, A)
    question 3 -> C first (then A, B)
    question 4 -> A first ...

* keep everything else the Forwarder does: the same failure policy, the
  same SERVFAIL when every upstream fails, the same health records (an
  upstream set aside by the health check is left out of the turn, as
  self.health.order() leaves it out);
* failing over goes on in the same circular order from where it started;
* the turn moves by one per client question, whatever happened to it.

Read Forwarder.forward in part3_forwarder/forwarder.py first: its loop,
first_answer, asks self.health.order() once per question for the order to
try (part 4's miss path asks through the same loop). Change that
order, not the rest: there is no need to rewrite the failure policy. (The
stub below overrides forward; replace it with whatever you need.)

Grade your work with:  pytest --exercise part3

Reference solution.
"""

from __future__ import annotations

from typing import Any

from part3_forwarder import Forwarder, Upstream
from part3_forwarder.health import UpstreamHealth


class RoundRobinForwarder(Forwarder):
    """A Forwarder whose questions take turns at which upstream is asked first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.health = RotatingOrder(self.health)


class RotatingOrder:
    """The forwarder's health records, with an order that turns once per call.

    Forwarder.first_answer calls order() once for each client question, so one
    call is one turn. Everything else goes to the real health records.
    """

    def __init__(self, health: UpstreamHealth) -> None:
        self._health = health
        self.turn = 0

    def order(self) -> list[Upstream]:
        awake = self._health.order()   # resting upstreams are already left out
        shift = self.turn % len(awake)
        self.turn += 1
        return awake[shift:] + awake[:shift]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._health, name)
