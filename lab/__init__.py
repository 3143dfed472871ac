"""The lab: a stand-in Internet on loopback, for tests, notebooks and `make run`.

A root, test. and zones delegated under it, each served by part 2 on its own
127.0.0.x address; a probe zone whose authority reports what it received; a
stand-in upstream resolver for a forwarder. The lab imports the parts; no
part imports the lab.
"""

from .network import Lab
from .probe import ProbeAuthority
from .tree import PROBE_ZONE, SERVERS, UNUSED_ADDRESS, UPSTREAM_ADDRESS

__all__ = ["PROBE_ZONE", "SERVERS", "UNUSED_ADDRESS", "UPSTREAM_ADDRESS", "Lab", "ProbeAuthority"]
