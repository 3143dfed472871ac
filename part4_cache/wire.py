"""Replies as bytes: where their records and TTLs sit, so the cache can age them.

The cache keeps each reply encoded (RFC 1035 s4.1) and rewrites its TTLs as
they count down, instead of building a message for every hit:

    +0  ID        2 bytes
    +2  flags     2 bytes   QR OPCODE AA TC RD | RA Z AD CD RCODE
    +4  QDCOUNT   ANCOUNT   NSCOUNT   ARCOUNT   (2 bytes each)
    +12 question: QNAME (length-prefixed labels, ending with a 0 byte), QTYPE, QCLASS
        then every resource record (RR):
        NAME  TYPE(2)  CLASS(2)  TTL(4)  RDLENGTH(2)  RDATA(RDLENGTH)

`walk_reply` finds where the TTL of each RR sits in an encoded reply, and the
functions below it read, rewrite and count down those TTLs. Reading a query's
bytes (its key, its EDNS) and the header a reply from bytes sends are part
2's (part2_server/wire.py): its prepared answers do the same.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from part1_client.sizes import HEADER_SIZE
from part2_server.wire import TYPE_OPT

FLAG_TC = 0x02  # in byte 2 of the header

_u16 = struct.Struct(">H")
_u32 = struct.Struct(">I")
_rr_fixed = struct.Struct(">HHIH")  # TYPE, CLASS, TTL, RDLENGTH


class WireError(ValueError):
    """The bytes are not a DNS message we can walk."""


class Record(NamedTuple):
    """Where one resource record sits in a message."""

    section: int  # 1 answer, 2 authority, 3 additional
    rdtype: int
    ttl_offset: int  # the TTL is the 4 bytes from here
    rdata_offset: int
    rdata_end: int


class Layout(NamedTuple):
    """The positions of everything in a reply that the cache rewrites."""

    question_end: int
    records: list[Record]  # every RR except the OPT
    opt: tuple[int, int] | None  # (start, end) of the OPT pseudo-RR


def _skip_name(wire: bytes, offset: int) -> int:
    """The offset just past the name at `offset`, compressed or not."""
    while True:
        if offset >= len(wire):
            raise WireError("name runs past the end")
        length = wire[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:  # a pointer (RFC 1035 s4.1.4) ends the name
            return offset + 2
        if length > 63:
            raise WireError(f"unknown label type at offset {offset}")
        offset += length + 1


# --8<-- [start:walk]
def walk_reply(wire: bytes) -> Layout:
    """Find the question's end, every RR's TTL and the OPT in an encoded message."""
    if len(wire) < HEADER_SIZE:
        raise WireError("shorter than a header")
    qdcount, ancount, nscount, arcount = struct.unpack_from(">4H", wire, 4)
    offset = HEADER_SIZE
    for _ in range(qdcount):
        offset = _skip_name(wire, offset) + 4
    question_end = offset
    records: list[Record] = []
    opt = None
    sections = [1] * ancount + [2] * nscount + [3] * arcount
    for section in sections:
        start = offset
        offset = _skip_name(wire, offset)
        if offset + 10 > len(wire):
            raise WireError("RR header runs past the end")
        rdtype, _rdclass, _ttl, rdlength = _rr_fixed.unpack_from(wire, offset)
        rdata_offset = offset + 10
        offset = rdata_offset + rdlength
        if offset > len(wire):
            raise WireError("RDATA runs past the end")
        if rdtype == TYPE_OPT:
            # The OPT's "TTL" is the extended rcode, version and flags: no TTL
            # at all, so it must never count down (RFC 6891 s6.1.3).
            opt = (start, offset)
        else:
            records.append(Record(section, rdtype, rdata_offset - 6, rdata_offset, offset))
    if offset != len(wire):
        raise WireError("bytes left after the last RR")
    return Layout(question_end, records, opt)
# --8<-- [end:walk]


def without_opt(wire: bytes, layout: Layout) -> bytes:
    """The message with its OPT record removed (ARCOUNT one lower).

    Nothing can point into the OPT with a compression pointer: its owner is
    the root, a single zero byte, which is never a pointer target worth using.
    """
    if layout.opt is None:
        return wire
    start, end = layout.opt
    arcount = _u16.unpack_from(wire, 10)[0] - 1
    return wire[:10] + _u16.pack(arcount) + wire[12:start] + wire[end:]


def read_u32(wire: bytes, offset: int) -> int:
    """The 4-byte number at `offset` (a TTL, or the MINIMUM field of an SOA)."""
    return _u32.unpack_from(wire, offset)[0]


def write_ttls(wire: bytes, offsets: tuple[int, ...], ttls: tuple[int, ...]) -> bytes:
    """A copy of `wire` with the TTL at each offset set to the matching value."""
    out = bytearray(wire)
    for offset, ttl in zip(offsets, ttls, strict=True):
        _u32.pack_into(out, offset, ttl)
    return bytes(out)


def count_down(wire: bytes, offsets: tuple[int, ...], elapsed: int, stale_ttl: int) -> bytes:
    """A copy of `wire` with each TTL reduced by `elapsed` (all `stale_ttl` if -1)."""
    out = bytearray(wire)
    for offset in offsets:
        ttl = stale_ttl if elapsed < 0 else _u32.unpack_from(wire, offset)[0] - elapsed
        _u32.pack_into(out, offset, ttl)
    return bytes(out)
