"""What the resolver remembers between questions: delegations and addresses.

Part 4's cache stores whole replies as bytes, keyed by question, with TTLs
that count down. The resolver keeps two kinds of facts in one of those
caches, each stored as a small reply of its own:

- a delegation: "zone Z is served by these name servers" (the NS RRset,
  keyed as the question Z/NS), with the glue addresses its parent gave;
- an address of a name server (A or AAAA, keyed as the question name/A),
  taken only from an answer by the zone that holds the name;
- that a name exists and is not a zone cut: the reply to a minimised
  question (name/A, an answer or NODATA), so that the next name below it
  does not ask the same minimised question again.

Each comes back with its TTL counted down, and is gone when the TTL is, so
a second name under a known zone costs one query, not a walk from the root.
"""

from __future__ import annotations

import dataclasses
import struct

import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from part2_server.wire import question_key
from part4_cache import Cache, Entry

from .hints import RootHints


# --8<-- [start:delegation]
@dataclasses.dataclass
class Delegation:
    """A zone cut: the zone, its name servers, and the addresses we know for them."""

    zone: dns.name.Name
    nameservers: list[dns.name.Name]
    glue: dict[dns.name.Name, list[str]]  # from the parent's referral (or the root hints)
# --8<-- [end:delegation]


def _key(name: dns.name.Name, rdtype: int) -> bytes:
    question = name.to_wire() + struct.pack(">HH", rdtype, dns.rdataclass.IN)
    return question_key(question, False)


class RecordCache:
    """Delegations and name-server addresses, in a part 4 cache."""

    def __init__(self, cache: Cache, hints: RootHints) -> None:
        self.cache = cache
        self.root = Delegation(dns.name.root, hints.nameservers, dict(hints.addresses))
        # Delegations already parsed, by key, with the entry they came from:
        # a walk reads the same few delegations over and over.
        self._parsed: dict[bytes, tuple[Entry, Delegation]] = {}

    def _entry(self, key: bytes) -> Entry | None:
        now = self.cache.clock()
        entry = self.cache.lookup(key, now)
        if entry is None or now >= entry.expires_at:  # nothing stale here
            return None
        return entry

    def _stored(self, name: dns.name.Name, rdtype: int) -> dns.message.Message | None:
        entry = self._entry(_key(name, rdtype))
        if entry is None:
            return None
        now = self.cache.clock()
        return dns.message.from_wire(entry.wire[:entry.question_end] + entry.body(now))

    def _delegation(self, name: dns.name.Name) -> Delegation | None:
        key = _key(name, dns.rdatatype.NS)
        entry = self._entry(key)
        if entry is None:
            return None
        parsed = self._parsed.get(key)
        if parsed is None or parsed[0] is not entry:
            stored = dns.message.from_wire(entry.wire)
            if len(self._parsed) >= self.cache.max_entries:
                self._parsed.clear()  # bounded like the cache itself
            parsed = entry, _delegation(stored.answer[0], stored.additional)
            self._parsed[key] = parsed
        return parsed[1]

    def _store(self, name: dns.name.Name, rdtype: int, answer: list[dns.rrset.RRset],
               additional: list[dns.rrset.RRset] = (),
               authority: list[dns.rrset.RRset] = ()) -> None:
        message = dns.message.make_query(name, rdtype)
        message.flags |= dns.flags.QR
        message.answer = list(answer)
        message.authority = list(authority)
        message.additional = list(additional)
        self.cache.store(_key(name, rdtype), message.to_wire(), self.cache.clock())

    # --8<-- [start:closest]
    def closest(self, name: dns.name.Name) -> Delegation:
        """The deepest zone cut we know at or above `name`; the root hints at worst."""
        while name != dns.name.root:
            delegation = self._delegation(name)
            if delegation is not None:
                return delegation
            name = name.parent()
        return self.root
    # --8<-- [end:closest]

    def remember_delegation(self, ns: dns.rrset.RRset, glue: list[dns.rrset.RRset]) -> None:
        self._store(ns.name, dns.rdatatype.NS, [ns], glue)

    def addresses(self, name: dns.name.Name) -> list[str]:
        stored = self._stored(name, dns.rdatatype.A)
        if stored is None:
            return []
        return [rdata.address for rrset in stored.answer
                if rrset.rdtype == dns.rdatatype.A for rdata in rrset]

    def remember_addresses(self, rrset: dns.rrset.RRset) -> None:
        if rrset.rdtype == dns.rdatatype.A:
            self._store(rrset.name, dns.rdatatype.A, [rrset])

    # --8<-- [start:exists]
    def remember_exists(self, name: dns.name.Name, answer: list[dns.rrset.RRset],
                        soa: list[dns.rrset.RRset]) -> None:
        """A minimised question name/A got an answer or NODATA: `name` is no zone cut.

        Kept as long as the answer's TTL, or the SOA's negative TTL (part 4's
        cache applies RFC 2308; a NODATA without SOA is not kept).
        """
        self._store(name, dns.rdatatype.A, answer, authority=soa)

    def exists(self, name: dns.name.Name) -> bool:
        """Do we know that `name` exists inside a zone, not as a zone cut of its own?"""
        return self._entry(_key(name, dns.rdatatype.A)) is not None
    # --8<-- [end:exists]


def _delegation(ns: dns.rrset.RRset, glue: list[dns.rrset.RRset]) -> Delegation:
    addresses: dict[dns.name.Name, list[str]] = {}
    for rrset in glue:
        addresses.setdefault(rrset.name, []).extend(rdata.address for rdata in rrset)
    return Delegation(ns.name, [rdata.target for rdata in ns], addresses)
