"""Signing zones, for the lab: keys, signatures, DS records and a trust anchor.

A validator needs something to validate. This module signs zones the way a
zone operator's tools do, with dnspython's `dns.dnssec.sign_zone`:

- one key per zone, ECDSA P-256 (algorithm 13, RFC 6605), used both as the
  key-signing key and the zone-signing key (a "combined signing key": flags
  257, the SEP bit set);
- NSEC records chaining every name of the zone in canonical order (RFC 4034
  s4), so that "no such name" and "no such type" can be proven;
- a DS record in the parent for each signed child (the SHA-256 digest of the
  child's key, RFC 4509), signed with the parent's key, so the parent vouches
  for the child: that link, repeated from the root down, is the chain of trust;
- the root's DS, written to a file: the trust anchor a validator starts from.

Keys are made fresh each time (a few milliseconds each) and live only in
memory: nothing here is ever written to disk but the public trust anchor.
Signatures are valid from an hour ago (clocks differ) for `VALIDITY` ahead.

The helpers at the end break a signed zone on purpose, one RRset at a time,
so the lab can show what a validator does with each kind of lie.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.DNSKEY
import dns.rdtypes.ANY.DS
import dns.rrset
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec
from dns.dnssectypes import Algorithm, DSDigest

ALGORITHM = Algorithm.ECDSAP256SHA256  # 13: short keys, short signatures, fast
DIGEST = DSDigest.SHA256               # 2: the DS digest every validator knows
KEY_FLAGS = 257                        # ZONE (256) + SEP (1): a combined signing key
DNSKEY_TTL = 3600
SKEW = datetime.timedelta(hours=1)     # valid from an hour ago: clocks differ
VALIDITY = datetime.timedelta(days=30)


# --8<-- [start:key]
@dataclass(frozen=True)
class ZoneKey:
    """A zone's signing key: the private half stays here, the DNSKEY is published."""

    private: ec.EllipticCurvePrivateKey
    dnskey: dns.rdtypes.ANY.DNSKEY.DNSKEY

    @property
    def tag(self) -> int:
        """The key tag (RFC 4034 appendix B): how RRSIG and DS records name this key."""
        return dns.dnssec.key_id(self.dnskey)

    def ds(self, origin: dns.name.Name) -> dns.rdtypes.ANY.DS.DS:
        """The DS record the parent publishes for this key (RFC 4034 s5)."""
        return dns.dnssec.make_ds(origin, self.dnskey, DIGEST)


def make_key() -> ZoneKey:
    """A fresh ECDSA P-256 key pair."""
    private = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(private.public_key(), ALGORITHM, flags=KEY_FLAGS)
    return ZoneKey(private, dnskey)
# --8<-- [end:key]


# --8<-- [start:sign]
def sign(zone: dns.zone.Zone, key: ZoneKey, *, now: datetime.datetime | None = None) -> None:
    """Sign `zone` in place: add its DNSKEY, an RRSIG on every RRset it is
    authoritative for, and the NSEC chain (with their RRSIGs).

    Add the children's DS records first (`add_ds`): they are signed too.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    dns.dnssec.sign_zone(
        zone, keys=[(key.private, key.dnskey)], dnskey_ttl=DNSKEY_TTL,
        inception=now - SKEW, expiration=now + VALIDITY,
    )


def add_ds(parent: dns.zone.Zone, child: dns.name.Name, ds: dns.rdtypes.ANY.DS.DS) -> None:
    """Publish `ds` for the delegated zone `child` in `parent` (before signing it).

    The DS lives at the delegation point, next to the NS records, on the
    parent's side of the cut (RFC 4035 s2.4): the parent signs it.
    """
    ns = parent.get_rdataset(child, dns.rdatatype.NS)
    if ns is None:
        raise ValueError(f"{parent.origin} does not delegate {child}")
    with parent.writer() as txn:
        txn.add(child, ns.ttl, ds)
# --8<-- [end:sign]


def write_trust_anchor(path: Path, origin: dns.name.Name, key: ZoneKey) -> Path:
    """Write the DS of `key` as a trust-anchor file (zone-file format, one
    record a line, as unbound's trust-anchor-file reads it)."""
    ds = key.ds(origin)
    path.write_text(f"; the lab's trust anchor: the DS of the root key, tag {key.tag}\n"
                    f"{origin} {DNSKEY_TTL} IN DS {ds.to_text()}\n")
    return path


# --8<-- [start:breakage]
# Breaking a signed zone on purpose, one RRset at a time, after signing.

def tamper(zone: dns.zone.Zone, name: dns.name.Name, rdtype: dns.rdatatype.RdataType,
           forged: str) -> None:
    """Replace the data of an RRset but keep its old signature: the data no
    longer matches what was signed (a lie told after signing)."""
    rdataset = zone.get_rdataset(name, rdtype)
    with zone.writer() as txn:
        txn.replace(name, rdataset.ttl, dns.rdata.from_text(dns.rdataclass.IN, rdtype, forged))


def expire(zone: dns.zone.Zone, name: dns.name.Name, rdtype: dns.rdatatype.RdataType,
           key: ZoneKey, *, now: datetime.datetime | None = None) -> None:
    """Sign an RRset again with a signature that ran out yesterday."""
    now = now or datetime.datetime.now(datetime.UTC)
    rrset = zone.find_rrset(name, rdtype)
    yesterday = now - datetime.timedelta(days=1)
    rrsig = dns.dnssec.sign(rrset, key.private, zone.origin, key.dnskey,
                            inception=yesterday - VALIDITY, expiration=yesterday)
    _replace_signature(zone, name, rdtype, rrsig, rrset.ttl)


def strip_signatures(zone: dns.zone.Zone, name: dns.name.Name,
                     rdtype: dns.rdatatype.RdataType) -> None:
    """Delete the RRSIG that covers one RRset: signed zone, unsigned answer."""
    with zone.writer() as txn:
        txn.delete(name, dns.rdatatype.RRSIG, rdtype)
# --8<-- [end:breakage]


def _replace_signature(zone: dns.zone.Zone, name: dns.name.Name,
                       rdtype: dns.rdatatype.RdataType, rrsig: dns.rdata.Rdata, ttl: int) -> None:
    with zone.writer() as txn:
        txn.delete(name, dns.rdatatype.RRSIG, rdtype)
        txn.add(name, ttl, rrsig)
