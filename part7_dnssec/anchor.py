"""Trust anchors: the keys a validator trusts without proof, read from a file.

The file holds DS or DNSKEY records in zone-file format, one a line, as
unbound's `trust-anchor-file` (and the lab's, and `unbound-anchor`'s
root.key) write them:

    . 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D

Anything wrong is one line, `FILE:LINE: what`, so the resolver refuses to
start instead of validating against nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype

# The real root's key-signing keys, as IANA publishes them
# (https://data.iana.org/root-anchors/root-anchors.xml): KSK-2017 and KSK-2024.
# `--trust-anchor root` uses these, for a board on the real Internet.
ROOT_ANCHORS = """\
. 86400 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. 86400 IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
"""

Anchors = dict[dns.name.Name, dns.rdataset.Rdataset]  # zone -> its DS (or DNSKEY) records


class TrustAnchorError(Exception):
    """A trust-anchor file we cannot use; the message is `FILE[:LINE]: what`."""


# --8<-- [start:read]
def read_trust_anchors(path: str | os.PathLike[str]) -> Anchors:
    """The DS and DNSKEY records in `path`, by owner name."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise TrustAnchorError(f"{path}: cannot read: {reason}") from None
    return parse_trust_anchors(text, str(path))


def parse_trust_anchors(text: str, where: str = "<anchors>") -> Anchors:
    anchors: Anchors = {}
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split(";", 1)[0].split()
        if not words:
            continue
        try:
            owner, rdtype, rdata = _record(words)
        except (ValueError, dns.exception.DNSException) as error:
            raise TrustAnchorError(f"{where}:{number}: {error}") from None
        rdataset = anchors.setdefault(owner, dns.rdataset.Rdataset(dns.rdataclass.IN, rdtype))
        if rdataset.rdtype != rdtype:
            raise TrustAnchorError(f"{where}:{number}: mixes DS and DNSKEY anchors for {owner}")
        rdataset.add(rdata)
    if not anchors:
        raise TrustAnchorError(f"{where}: no DS or DNSKEY record: nothing to trust")
    return anchors
# --8<-- [end:read]


def _record(words: list[str]) -> tuple[dns.name.Name, dns.rdatatype.RdataType, dns.rdata.Rdata]:
    """OWNER [TTL] [IN] DS|DNSKEY RDATA, with an absolute owner."""
    if not words[0].endswith("."):
        raise ValueError(f"owner {words[0]!r} must be absolute (end with a dot)")
    owner = dns.name.from_text(words[0])
    rest = words[1:]
    if rest and rest[0].isdigit():
        rest = rest[1:]
    if rest and rest[0].upper() == "IN":
        rest = rest[1:]
    if not rest or rest[0].upper() not in ("DS", "DNSKEY"):
        raise ValueError("expected a DS or DNSKEY record")
    rdtype = dns.rdatatype.from_text(rest[0])
    if len(rest) < 2:
        raise ValueError(f"{rest[0]} record without data")
    try:
        rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, " ".join(rest[1:]))
    except (ValueError, dns.exception.DNSException) as error:
        raise ValueError(f"bad {rest[0].upper()} data: {error}") from None
    return owner, rdtype, rdata
