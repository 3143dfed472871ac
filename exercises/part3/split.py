"""Part 3, exercise 3: split horizon.                (medium-hard, about 45 minutes)

At home, names under corp.test belong to the office: only the office's
resolver (reached over a VPN) knows them. Everything else goes to the usual
upstreams. Write a processor that picks the forwarder by the name asked:

    routes = {"corp.test": ["10.8.0.1"], "lab.corp.test": ["10.9.0.1"]}
    resolver = SplitForwarder(routes, default=["192.0.2.53", "198.51.100.53"])

* each domain in `routes` gets a Forwarder of its own for its upstreams
  (strings "HOST[:PORT]", as part3_forwarder.parse_upstream reads them);
  `default` gets one too;
* a question goes to the forwarder of the longest domain that contains
  the name (lab.corp.test's for x.lab.corp.test, corp.test's for
  www.corp.test and for corp.test itself); the default forwarder gets
  every other name;
* domains compare without regard to case, with or without a final dot;
  "corp.test" does not contain "notcorp.test";
* forwarder_for(name) tells which Forwarder a name goes to (the grading
  uses it, and so can your logs); pass `forwarder_options` (timeout=...)
  on to every Forwarder you make;
* the reply is the chosen forwarder's, unchanged.

Grade your work with:  pytest --exercise part3
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dns.message
import dns.name

from part2_server.processor import Endpoint
from part3_forwarder import Forwarder, parse_upstream  # noqa: F401 (you will need it)


class SplitForwarder:
    """Forward each name to the upstreams of the longest matching domain."""

    def __init__(self, routes: Mapping[str, Iterable[str]], *, default: Iterable[str],
                 **forwarder_options: Any) -> None:
        raise NotImplementedError("exercise: write SplitForwarder.__init__")

    def forwarder_for(self, name: dns.name.Name) -> Forwarder:
        raise NotImplementedError("exercise: write SplitForwarder.forwarder_for")

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        raise NotImplementedError("exercise: write SplitForwarder.__call__")
