"""Part 7: DNSSEC validation, every forwarded answer proven up to a trust anchor.

    resolver = build_validating_resolver(ValidatingSettings(
        upstreams=["127.0.0.10:53"], trust_anchor="trust-anchor"))
    await resolver.server().start("127.0.0.1", 8053)

`Validator(inner, anchors)` is the processor itself: put it around any
processor that asks the world (the forwarder here, part 8's resolver later).
`signing` and `SignedAuthority` sign and serve zones, for the lab.
"""

from .anchor import ROOT_ANCHORS, TrustAnchorError, parse_trust_anchors, read_trust_anchors
from .authority import SignedAuthority
from .proofs import Bogus
from .resolver import ValidatingSettings, build_validating_resolver, load_anchors
from .validator import Security, Validator

__all__ = [
    "ROOT_ANCHORS",
    "Bogus",
    "Security",
    "SignedAuthority",
    "TrustAnchorError",
    "ValidatingSettings",
    "Validator",
    "build_validating_resolver",
    "load_anchors",
    "parse_trust_anchors",
    "read_trust_anchors",
]
