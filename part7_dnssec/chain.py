"""The chain of trust behind one answer, checked link by link and drawn.

    links = chain_of_trust(("127.0.0.10", 53), anchors, "www.example.test.", "A")
    print(mermaid(links))

It asks a resolver (with DO=1 and CD=1) for the answer, then for the DS and
DNSKEY records of every zone from the trust anchor down to the answer's
signer, checks each link with the same functions the validator uses, and
returns the links, top down: what vouches for what. `mermaid` draws them as
a flowchart, as DNSViz draws a chain (docs/part7.md shows one, made by
scripts/chain_diagram.py from the lab's keys).
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from dns.rdatatype import DNSKEY, DS, RRSIG

from . import proofs
from .anchor import Anchors

TIMEOUT = 3.0


@dataclass(frozen=True)
class Link:
    """`upper` vouches for `lower`: by a DS digest, or by a signature."""

    upper: str
    lower: str
    how: str   # "digest matches" or "signs"


def ask(server: tuple[str, int], name: dns.name.Name | str, rdtype: str | int
        ) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=True,
                                   flags=dns.flags.RD | dns.flags.CD)
    return dns.query.udp(query, server[0], port=server[1], timeout=TIMEOUT)


def _signed(reply: dns.message.Message, name: dns.name.Name, rdtype: int
            ) -> tuple[dns.rrset.RRset, dns.rrset.RRset]:
    rrset = reply.find_rrset(reply.answer, name, dns.rdataclass.IN, rdtype)
    rrsigs = reply.find_rrset(reply.answer, name, dns.rdataclass.IN, RRSIG, rdtype)
    return rrset, rrsigs


def _key_label(zone: dns.name.Name, tag: int) -> str:
    return f"{zone} DNSKEY<br>tag {tag}"


# --8<-- [start:chain]
def chain_of_trust(server: tuple[str, int], anchors: Anchors, name: str, rdtype: str
                   ) -> list[Link]:
    """Every link from the trust anchor to the answer for `name`/`rdtype`, checked."""
    answer = ask(server, name, rdtype)
    records = [rrset for rrset in answer.answer if rrset.rdtype != RRSIG]
    signer = answer.find_rrset(answer.answer, records[0].name, dns.rdataclass.IN, RRSIG,
                               records[0].rdtype)[0].signer
    anchor = next(zone for zone in anchors if signer.is_subdomain(zone))
    zones = [dns.name.Name(signer.labels[i:]) for i in range(len(signer) - len(anchor), -1, -1)]
    links: list[Link] = []
    trusted = anchors[anchor]
    upper = f"trust anchor<br>{anchor} DS tag {trusted[0].key_tag}"
    parent_keys = None
    for zone in zones:
        if zone != anchor:   # the parent's DS for this zone, signed by the parent
            ds, sigs = _signed(ask(server, zone, DS), zone, DS)
            proofs.verify(ds, sigs, parent_keys[0], parent_keys[1])
            links.append(Link(upper, f"{zone} DS<br>tag {ds[0].key_tag}", "signs"))
            upper, trusted = f"{zone} DS<br>tag {ds[0].key_tag}", ds
        dnskeys, sigs = _signed(ask(server, zone, DNSKEY), zone, DNSKEY)
        [key] = proofs.keys_matching(zone, dnskeys, trusted)
        proofs.verify(dnskeys, sigs, zone, dnskeys)
        tag = dns.dnssec.key_id(key)
        links.append(Link(upper, _key_label(zone, tag), "digest matches"))
        links.append(Link(_key_label(zone, tag), _key_label(zone, tag), "signs"))
        upper, parent_keys = _key_label(zone, tag), (zone, dnskeys)
    for rrset in records:
        rrsigs = answer.find_rrset(answer.answer, rrset.name, dns.rdataclass.IN, RRSIG,
                                   rrset.rdtype)
        proofs.verify(rrset, rrsigs, signer, parent_keys[1])
        data = " ".join(rdata.to_text() for rdata in rrset)
        links.append(Link(upper, f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}<br>"
                          f"{data}", "signs"))
    return links
# --8<-- [end:chain]


def mermaid(links: list[Link]) -> str:
    """A mermaid flowchart of `links`, top down."""
    ids: dict[str, str] = {}
    lines = ["flowchart TD"]
    for link in links:
        for label in (link.upper, link.lower):
            if label not in ids:
                ids[label] = f"n{len(ids)}"
                lines.append(f'    {ids[label]}["{label}"]')
        lines.append(f'    {ids[link.upper]} -->|"{link.how}"| {ids[link.lower]}')
    return "\n".join(lines) + "\n"
