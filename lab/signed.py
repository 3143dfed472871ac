"""The signed lab: the tree's zones signed at start-up, with part 7's signer.

    with Lab.start(signed=True) as net:
        net.trust_anchor   # the root's DS, for a validator to start from

The root, test., example.test., dnssec.test. and bad-ds.test. are signed,
each with a fresh key (nothing is kept once the lab stops); every signed
child's DS goes into its parent before the parent is signed, so the chain
of trust runs from the root down. Then a few RRsets of dnssec.test. are
broken on purpose, and bad-ds.test. gets a DS for a key it never had.
Zones not listed stay unsigned: insecure delegations, as most of the
Internet's are.
"""

from __future__ import annotations

from pathlib import Path

import dns.name
import dns.rdatatype
import dns.zone

from part7_dnssec.signing import (
    ZoneKey,
    add_ds,
    expire,
    make_key,
    sign,
    strip_signatures,
    tamper,
    write_trust_anchor,
)

# --8<-- [start:signed]
SIGNED = (".", "test.", "example.test.", "dnssec.test.", "bad-ds.test.")
WRONG_DS = "bad-ds.test."   # the DS in test. is for a key this zone never had
# The names of dnssec.test. broken after signing (see its zone file).
TAMPERED = "tampered.dnssec.test."
EXPIRED = "expired.dnssec.test."
UNSIGNED_RRSET = "nosig.dnssec.test."
FORGED_ADDRESS = "192.0.2.66"
# --8<-- [end:signed]

# --8<-- [start:cases]
# Every case of the signed lab: (name, type, what a validator must say).
CASES: list[tuple[str, str, str]] = [
    ("www.example.test.", "A", "secure"),
    ("www.dnssec.test.", "A", "secure"),
    ("chain.dnssec.test.", "A", "secure"),          # two CNAMEs, then the A
    ("elsewhere.dnssec.test.", "A", "secure"),      # a CNAME into example.test.
    ("outside.dnssec.test.", "A", "insecure"),      # a CNAME into unsigned.test.
    ("anything.wild.dnssec.test.", "A", "secure"),  # made from *.wild
    ("anything.wild.dnssec.test.", "MX", "secure"),  # the wildcard has no MX: NODATA
    ("nope.dnssec.test.", "A", "secure"),           # NXDOMAIN, proven
    ("www.dnssec.test.", "TXT", "secure"),          # NODATA, proven
    ("ent.dnssec.test.", "A", "secure"),            # an empty non-terminal: NODATA
    ("nope.test.", "A", "secure"),                  # NXDOMAIN in test.
    ("example.test.", "DNSKEY", "secure"),
    ("www.unsigned.test.", "A", "insecure"),        # an unsigned delegation
    ("www.hostile.test.", "A", "insecure"),         # another (NXDOMAIN there)
    (TAMPERED, "A", "bogus"),                       # data changed after signing
    (EXPIRED, "A", "bogus"),                        # signature ran out
    (UNSIGNED_RRSET, "A", "bogus"),                 # RRSIG removed
    ("www.bad-ds.test.", "A", "bogus"),             # the DS matches no DNSKEY
]
# --8<-- [end:cases]


# --8<-- [start:sign_lab]
def sign_lab(zones: dict[str, dns.zone.Zone], directory: Path
             ) -> tuple[Path, dict[str, ZoneKey]]:
    """Sign `zones` in place, children first; write the trust anchor in `directory`.

    Returns the trust-anchor file and the keys (the lab drops them; tests look).
    """
    keys = {origin: make_key() for origin in SIGNED}
    # Deepest first: a parent is signed after its children's DS are in it.
    for origin in sorted(SIGNED, key=lambda text: -len(dns.name.from_text(text))):
        zone = zones[origin]
        for child in SIGNED:
            child_name = dns.name.from_text(child)
            if child != "." and child_name.parent() == zone.origin:
                key = make_key() if child == WRONG_DS else keys[child]
                add_ds(zone, child_name, key.ds(child_name))
        sign(zone, keys[origin])
    _break(zones["dnssec.test."], keys["dnssec.test."])
    anchor = write_trust_anchor(directory / "trust-anchor", dns.name.root, keys["."])
    return anchor, keys


def _break(zone: dns.zone.Zone, key: ZoneKey) -> None:
    a = dns.rdatatype.A
    tamper(zone, dns.name.from_text(TAMPERED), a, FORGED_ADDRESS)
    expire(zone, dns.name.from_text(EXPIRED), a, key)
    strip_signatures(zone, dns.name.from_text(UNSIGNED_RRSET), a)
# --8<-- [end:sign_lab]
