"""The checks of a validator that need no network: signatures and NSEC proofs.

Each function looks at records already in hand and says whether they prove
something. dnspython's `dns.dnssec.validate` does the arithmetic (hash,
public key, signature); what a signature *means*, and what an NSEC record
proves, is written out here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import dns.dnssec
import dns.name
import dns.rdataset
import dns.rdatatype
import dns.rrset
from dns.rdatatype import CNAME, DS, NS, SOA

# Extended DNS Errors (RFC 8914 s4) a validator gives with its SERVFAIL.
DNSSEC_BOGUS = 6
SIGNATURE_EXPIRED = 7
SIGNATURE_NOT_YET_VALID = 8
DNSKEY_MISSING = 9
RRSIGS_MISSING = 10
NSEC_MISSING = 12


@dataclass
class Bogus(Exception):
    """Data that should be signed and is not provably right (RFC 4035 s4.3)."""

    code: int     # the Extended DNS Error
    why: str      # one line for the log, naming the RRset

    def __str__(self) -> str:
        return self.why


def describe(rrset: dns.rrset.RRset) -> str:
    return f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}"


# --8<-- [start:verify]
def verify(rrset: dns.rrset.RRset, rrsigs: dns.rrset.RRset | None, zone: dns.name.Name,
           dnskeys: dns.rdataset.Rdataset, now: float | None = None) -> None:
    """Raise Bogus unless one RRSIG by `zone` over `rrset` verifies with one of `dnskeys`."""
    now = time.time() if now is None else now
    if rrsigs is None or not len(rrsigs):
        raise Bogus(RRSIGS_MISSING, f"{describe(rrset)}: no RRSIG, in the signed zone {zone}")
    try:
        dns.dnssec.validate(rrset, rrsigs, {zone: dnskeys}, now=now)
        return
    except dns.dnssec.ValidationFailure:
        pass
    # Say why, as precisely as RFC 8914 lets us.
    ours = [sig for sig in rrsigs if sig.signer == zone]
    tags = {dns.dnssec.key_id(key) for key in dnskeys}
    if not ours:
        raise Bogus(RRSIGS_MISSING, f"{describe(rrset)}: no RRSIG by {zone}")
    if all(sig.expiration < now for sig in ours):
        raise Bogus(SIGNATURE_EXPIRED, f"{describe(rrset)}: signature expired")
    if all(sig.inception > now for sig in ours):
        raise Bogus(SIGNATURE_NOT_YET_VALID, f"{describe(rrset)}: signature not yet valid")
    if not any(sig.key_tag in tags for sig in ours):
        raise Bogus(DNSKEY_MISSING, f"{describe(rrset)}: signed by a key {zone} does not have")
    raise Bogus(DNSSEC_BOGUS, f"{describe(rrset)}: signature does not match the data")
# --8<-- [end:verify]


# --8<-- [start:ds_match]
def keys_matching(owner: dns.name.Name, dnskeys: dns.rdataset.Rdataset,
                  trusted: dns.rdataset.Rdataset) -> list:
    """The DNSKEYs the `trusted` DS (or DNSKEY) records vouch for (RFC 4035 s5.2)."""
    if trusted.rdtype == dns.rdatatype.DNSKEY:
        return [key for key in dnskeys if key in trusted]
    matching = []
    for key in dnskeys:
        for ds in trusted:
            if ds.key_tag != dns.dnssec.key_id(key) or ds.algorithm != key.algorithm:
                continue
            try:
                if dns.dnssec.make_ds(owner, key, ds.digest_type) == ds:
                    matching.append(key)
            except (dns.dnssec.UnsupportedAlgorithm, ValueError):
                continue  # a digest type we do not know proves nothing
    return matching


def supported(trusted: dns.rdataset.Rdataset) -> bool:
    """Can we check any of these DS records? If not, the zone counts as
    unsigned (RFC 4035 s5.2: an unknown algorithm is treated as insecure)."""
    return any(record.algorithm in ALGORITHMS
               and (trusted.rdtype == dns.rdatatype.DNSKEY or record.digest_type in DIGESTS)
               for record in trusted)


ALGORITHMS = {5, 7, 8, 10, 13, 14, 15, 16}  # RSA/SHA-1, SHA-256, SHA-512, ECDSA, EdDSA
DIGESTS = {1, 2, 4}                          # SHA-1, SHA-256, SHA-384
# --8<-- [end:ds_match]


# --8<-- [start:nsec]
def types_in(nsec) -> set[int]:
    """The types an NSEC record's bitmap lists (RFC 4034 s4.1.2)."""
    types = set()
    for window, bitmap in nsec.windows:
        for index, byte in enumerate(bitmap):
            for bit in range(8):
                if byte & (0x80 >> bit):
                    types.add(window * 256 + index * 8 + bit)
    return types


def covers(owner: dns.name.Name, nsec, name: dns.name.Name) -> bool:
    """Does the NSEC at `owner` say `name` does not exist? Names sort in
    canonical order (RFC 4034 s6.1); the last NSEC points back to the apex."""
    if owner < nsec.next:
        return owner < name < nsec.next
    return name > owner   # the last NSEC of the zone: everything after it


def closest_encloser(name: dns.name.Name, owner: dns.name.Name, nsec) -> dns.name.Name:
    """The longest existing ancestor of `name`, as a covering NSEC shows it:
    the deeper of `name`'s common ancestors with the two ends of the gap."""
    ends = [name.fullcompare(end)[2] for end in (owner, nsec.next)]
    return name.split(max(ends))[1]


def wildcard(encloser: dns.name.Name) -> dns.name.Name:
    return dns.name.Name((b"*", *encloser.labels))


def prove_nxdomain(name: dns.name.Name, nsecs: list[dns.rrset.RRset]) -> None:
    """RFC 4035 s5.4: an NSEC covers the name, and one covers the wildcard
    at its closest encloser (else the wildcard would have answered)."""
    cover = next((rrset for rrset in nsecs if covers(rrset.name, rrset[0], name)), None)
    if cover is None:
        raise Bogus(NSEC_MISSING, f"{name}: NXDOMAIN, but no NSEC proves the name is missing")
    star = wildcard(closest_encloser(name, cover.name, cover[0]))
    if not any(covers(rrset.name, rrset[0], star) for rrset in nsecs):
        raise Bogus(NSEC_MISSING, f"{name}: NXDOMAIN, but no NSEC proves {star} is missing")


def prove_nodata(name: dns.name.Name, rdtype: int, nsecs: list[dns.rrset.RRset]) -> None:
    """RFC 4035 s5.4: the name's NSEC lacks the type (and CNAME); or the name
    is an empty non-terminal; or a wildcard matched and lacks the type."""
    for rrset in nsecs:
        if rrset.name == name:
            types = types_in(rrset[0])
            # RFC 6840 s4.4: an NSEC from the parent side of a cut (NS, no
            # SOA) proves nothing about the child's data, only about its DS.
            parent_side = NS in types and SOA not in types and rdtype != DS
            if rdtype not in types and CNAME not in types and not parent_side:
                return
            raise Bogus(DNSSEC_BOGUS, f"{name}: NODATA, but its NSEC lists "
                        f"{dns.rdatatype.to_text(rdtype)} (or is the parent's)")
        if covers(rrset.name, rrset[0], name) and rrset[0].next.is_subdomain(name):
            return   # an empty non-terminal: a name below it exists
    for rrset in nsecs:
        if covers(rrset.name, rrset[0], name):
            star = wildcard(closest_encloser(name, rrset.name, rrset[0]))
            for match in nsecs:
                if match.name == star and rdtype not in types_in(match[0]):
                    return
    raise Bogus(NSEC_MISSING, f"{name}: NODATA for {dns.rdatatype.to_text(rdtype)}, "
                "but no NSEC proves it")
# --8<-- [end:nsec]


def expanded_from_wildcard(rrset: dns.rrset.RRset, rrsigs: dns.rrset.RRset) -> bool:
    """RFC 4035 s5.3.4: an RRSIG's labels field counts the labels of the name
    it was made for; fewer than the owner's means a wildcard answered."""
    labels = len(rrset.name) - 1 - (rrset.name.labels[0] == b"*")
    return any(sig.labels < labels for sig in rrsigs)
