"""The validating home resolver: part 4's, with the validator around the forwarder.

    resolver = build_validating_resolver(ValidatingSettings(
        upstreams=["127.0.0.10:53"], trust_anchor="/path/to/trust-anchor"))

The order, from the client in: access list, cache, local data (hosts file,
zones: our own, never validated), then the validator, then the forwarder.
The cache sits outside the validator, so a verdict is cached with its
answer: a hit is never validated again, and a bogus answer is a SERVFAIL
remembered for 5 seconds (RFC 9520's failure caching, part 4's failure TTL).
"""

from __future__ import annotations

import dataclasses
import time

from part3_forwarder import FileError, Forwarder, SetupError, Upstream, parse_upstream
from part4_cache import CacheSettings, CachingResolver, build_caching_resolver
from part4_cache.cache import Clock

from .anchor import ROOT_ANCHORS, Anchors, TrustAnchorError, parse_trust_anchors, read_trust_anchors
from .validator import Validator

BUILT_IN_ROOT = "root"   # --trust-anchor root: the real root's keys, built in
OFF = "off"


# --8<-- [start:settings]
@dataclasses.dataclass
class ValidatingSettings(CacheSettings):
    """Part 4's settings, and the trust anchor that turns validation on."""

    trust_anchor: str | None = None  # a file, "root" (built in), or None/"off": no validation
# --8<-- [end:settings]


def load_anchors(setting: str | None) -> Anchors | None:
    """The anchors a setting names, or None for no validation; FileError if unusable."""
    if setting in (None, "", OFF):
        return None
    try:
        if setting == BUILT_IN_ROOT:
            return parse_trust_anchors(ROOT_ANCHORS, "built-in root anchor")
        return read_trust_anchors(setting)
    except TrustAnchorError as error:
        raise FileError(str(error)) from error


# --8<-- [start:build]
def build_validating_resolver(settings: ValidatingSettings,
                              clock: Clock = time.monotonic) -> CachingResolver:
    """Part 4's resolver, validating what the forwarder brings back."""
    anchors = load_anchors(settings.trust_anchor)
    if anchors is None:
        return build_caching_resolver(settings, clock=clock)
    validator = Validator(_forwarder(settings), anchors)
    return build_caching_resolver(settings, clock=clock, outward=validator)
# --8<-- [end:build]


def _forwarder(settings: ValidatingSettings) -> Forwarder:
    """Part 3's forwarder for `settings`, for the validator to ask through."""
    try:
        upstreams = [u if isinstance(u, Upstream) else parse_upstream(u)
                     for u in settings.upstreams]
    except ValueError as error:
        raise SetupError(str(error)) from error
    if not upstreams:
        raise SetupError("no upstream to forward to: give --upstream HOST[:PORT] "
                         "(or set DNS_UPSTREAMS)")
    return Forwarder(upstreams, timeout=settings.timeout)
