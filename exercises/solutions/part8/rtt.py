"""Part 8, exercise 3: ask the fastest server first.  (medium, 30 minutes)

A zone has several name servers, and a resolver should ask the one that
answers fastest, as measured, and fall back to the others when it is
silent. Write the class `ServerTimes` (part 8's servers.py is the model, but
grading wants these exact rules):

* `answered(address, seconds)`: the first sample is the smoothed RTT as it
  is; each later one moves it by SMOOTHING of the difference:
  rtt += SMOOTHING * (sample - rtt);
* `timed_out(address, waited)`: the RTT becomes at least 2 * waited, so a
  silent server sinks behind the others (and behind servers never asked);
* `rtt(address)`: the smoothed RTT, UNKNOWN_RTT for a server never heard of;
* `order(addresses)`: the addresses, smallest RTT first; equal RTTs keep
  the order they were given in;
* `timeout(address)`: how long to wait for it: 4 RTTs, but never less than
  MIN_TIMEOUT nor more than MAX_TIMEOUT.

    python exercises/part8/rtt.py

Grade your work with:  pytest --exercise part8

Reference solution.
"""

from __future__ import annotations

UNKNOWN_RTT = 0.376
SMOOTHING = 0.3
MIN_TIMEOUT = 0.4
MAX_TIMEOUT = 1.2


class ServerTimes:
    """Smoothed round-trip times by server address."""

    def __init__(self) -> None:
        self._rtt: dict[str, float] = {}

    def rtt(self, address: str) -> float:
        return self._rtt.get(address, UNKNOWN_RTT)

    def answered(self, address: str, seconds: float) -> None:
        old = self._rtt.get(address)
        self._rtt[address] = seconds if old is None else old + SMOOTHING * (seconds - old)

    def timed_out(self, address: str, waited: float) -> None:
        self._rtt[address] = max(self._rtt.get(address, 0.0), 2 * waited)

    def order(self, addresses: list[str]) -> list[str]:
        return sorted(addresses, key=self.rtt)  # sorted() is stable: ties keep their order

    def timeout(self, address: str) -> float:
        return min(MAX_TIMEOUT, max(MIN_TIMEOUT, 4 * self.rtt(address)))


def main() -> int:
    times = ServerTimes()
    times.answered("127.0.0.4", 0.020)
    times.timed_out("127.0.0.5", 1.0)
    for address in times.order(["127.0.0.5", "127.0.0.6", "127.0.0.4"]):
        print(f"{address}: rtt {times.rtt(address):.3f} s, wait {times.timeout(address):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
