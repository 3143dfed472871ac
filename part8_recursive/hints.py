"""Root hints: where an iterative resolver starts.

A resolver that asks the authorities itself must know one thing before it
can ask anything: the names and addresses of the root's servers. They come
from a file in the format of the real one (named.root, from IANA):

    .                        3600000  NS  a.root-servers.test.
    a.root-servers.test.     3600000  A   127.0.0.2

Each line is OWNER [TTL] [CLASS] TYPE DATA; `;` starts a comment. Only NS
records at the root and A or AAAA records of those servers are allowed, and
every server needs at least one address. The resolver asks the root itself
for the current list ("priming", RFC 8109) only in a later version: the hints
are used as they are.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype


class RootHintsError(ValueError):
    """The root-hints file cannot be used; the message names the file and line."""


@dataclasses.dataclass(frozen=True)
class RootHints:
    """The root's name servers and their addresses, as the file gives them."""

    path: str
    addresses: dict[dns.name.Name, list[str]]  # server name -> its addresses

    @property
    def nameservers(self) -> list[dns.name.Name]:
        return list(self.addresses)


# --8<-- [start:parse]
def parse_root_hints(text: str, path: str = "<root hints>") -> RootHints:
    """Read the NS and address records of the root's servers from `text`."""
    servers: dict[dns.name.Name, int] = {}  # NS target -> line number
    addresses: dict[dns.name.Name, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split(";", 1)[0].split()
        if not words:
            continue

        def fail(why: str) -> RootHintsError:
            return RootHintsError(f"{path}:{number}: {why}")  # noqa: B023 (used at once)

        owner, rdtype, data = _fields(words, fail)
        if rdtype == dns.rdatatype.NS:
            if owner != dns.name.root:
                raise fail(f"an NS record for {owner}: root hints hold the root's servers only")
            servers.setdefault(data.target, number)
        elif rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            addresses.setdefault(owner, []).append(data.address)
        else:
            raise fail(f"a {dns.rdatatype.to_text(rdtype)} record: only NS, A and AAAA belong here")
    if not servers:
        raise RootHintsError(f"{path}: no NS record for the root ('.'): nothing to start from")
    for server, number in servers.items():
        if server not in addresses:
            raise RootHintsError(f"{path}:{number}: no A or AAAA record for {server}")
    return RootHints(path, {server: addresses[server] for server in servers})
# --8<-- [end:parse]


def _fields(words: list[str], fail) -> tuple[dns.name.Name, int, dns.rdata.Rdata]:
    """OWNER [TTL] [CLASS] TYPE DATA... -> (owner, type, rdata)."""
    try:
        owner = dns.name.from_text(words[0])
    except dns.exception.DNSException as error:
        raise fail(f"bad owner name {words[0]!r}: {error}") from None
    rest = words[1:]
    if rest and rest[0].isdigit():
        rest = rest[1:]  # the TTL: hints are not cached, so it does not matter
    if rest and rest[0].upper() == "IN":
        rest = rest[1:]
    if len(rest) < 2:
        raise fail(f"expected OWNER [TTL] [CLASS] TYPE DATA, got {' '.join(words)!r}")
    try:
        rdtype = dns.rdatatype.from_text(rest[0])
        data = dns.rdata.from_text(dns.rdataclass.IN, rdtype, " ".join(rest[1:]),
                                   origin=dns.name.root, relativize=False)
    except (dns.exception.DNSException, ValueError) as error:
        raise fail(f"bad record {' '.join(rest)!r}: {error}") from None
    return owner, rdtype, data


def load_root_hints(path: str | Path) -> RootHints:
    """The root hints in the file at `path`; RootHintsError says what is wrong, and where."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RootHintsError(f"{path}: cannot read the root hints: "
                             f"{getattr(error, 'strerror', None) or error}") from None
    return parse_root_hints(text, str(path))
