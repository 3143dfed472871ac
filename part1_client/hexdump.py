"""A hex dump of a DNS message with every field labelled (RFC 1035 s4.1).

We walk the bytes ourselves, only to know where each field starts and ends;
dnspython still decodes names (with their compression pointers) and rdata.

>>> import dns.message
>>> query = dns.message.make_query("a.example.", "A", use_edns=False)
>>> query.id = 0x1234
>>> print(dump(query.to_wire()))
0000  12 34                                            ID 4660
0002  01 00                                            flags QR=0 OPCODE=QUERY AA=0 TC=0 RD=1 RA=0
                                                       Z=0 AD=0 CD=0 RCODE=NOERROR
0004  00 01                                            QDCOUNT 1
0006  00 00                                            ANCOUNT 0
0008  00 00                                            NSCOUNT 0
000a  00 00                                            ARCOUNT 0
000c  01 61 07 65 78 61 6d 70 6c 65 00                 question name a.example.
0017  00 01                                            type A
0019  00 01                                            class IN
"""

from __future__ import annotations

import struct
import textwrap

import dns.exception
import dns.flags
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

HEADER = struct.Struct("!HHHHHH")
RR_FIXED = struct.Struct("!HHIH")  # type, class, TTL, RDLENGTH
BYTES_PER_LINE = 16
WIDTH = 100
LABEL_WIDTH = WIDTH - len("0000  ") - BYTES_PER_LINE * 3 - 1
SECTIONS = ("question", "answer", "authority", "additional")


def _lines(wire: bytes, start: int, end: int, label: str) -> list[str]:
    """The bytes wire[start:end], 16 to a line, beside their label.

    A label too long for its column goes on over the next lines, so that no
    line is wider than WIDTH (a terminal, or a docs page, of 100 columns).
    """
    rows = [wire[offset:min(end, offset + BYTES_PER_LINE)]
            for offset in range(start, max(end, start + 1), BYTES_PER_LINE)]
    texts = textwrap.wrap(label, LABEL_WIDTH, break_on_hyphens=False) or [""]
    lines = []
    for index in range(max(len(rows), len(texts))):
        text = texts[index] if index < len(texts) else ""
        if index < len(rows):
            offset = f"{start + index * BYTES_PER_LINE:04x}"
            chunk = rows[index].hex(" ")
        else:
            offset, chunk = "    ", ""
        lines.append(f"{offset}  {chunk:<{BYTES_PER_LINE * 3}} {text}".rstrip())
    return lines


# --8<-- [start:flags]
def describe_flags(flags: int) -> str:
    """The second 16 bits of the header, bit by bit (RFC 1035 s4.1.1, RFC 4035 s3.2)."""
    def bit(mask: int) -> int:
        return int(bool(flags & mask))

    return (f"QR={bit(dns.flags.QR)} OPCODE={dns.opcode.to_text(dns.opcode.from_flags(flags))} "
            f"AA={bit(dns.flags.AA)} TC={bit(dns.flags.TC)} RD={bit(dns.flags.RD)} "
            f"RA={bit(dns.flags.RA)} Z={bit(0x0040)} AD={bit(dns.flags.AD)} "
            f"CD={bit(dns.flags.CD)} RCODE={dns.rcode.to_text(flags & 0x000F)}")
# --8<-- [end:flags]


def _name_end(wire: bytes, offset: int) -> tuple[int, int | None]:
    """Where the name at `offset` ends, and the pointer it ends with (RFC 1035 s4.1.4)."""
    while True:
        length = wire[offset]
        if length == 0:
            return offset + 1, None
        if length & 0xC0 == 0xC0:
            return offset + 2, ((length & 0x3F) << 8) | wire[offset + 1]
        offset += 1 + length


def _name(wire: bytes, offset: int, section: str) -> tuple[list[str], int]:
    name, _ = dns.name.from_wire(wire, offset)
    end, pointer = _name_end(wire, offset)
    label = f"{section} name {name}"
    if pointer is not None:
        label += f" (ends in a pointer to {pointer:04x})"
    return _lines(wire, offset, end, label), end


def _record(wire: bytes, offset: int, section: str) -> tuple[list[str], int]:
    lines, offset = _name(wire, offset, section)
    rdtype, rdclass, ttl, rdlength = RR_FIXED.unpack_from(wire, offset)
    if rdtype == dns.rdatatype.OPT:
        # RFC 6891 s6.1.3: OPT reuses CLASS for the UDP payload size and TTL
        # for the extended rcode, the EDNS version and the DO flag.
        do = " do" if ttl & dns.flags.DO else ""
        fixed = (f"type OPT  udp payload {rdclass}  extended rcode {ttl >> 24}  "
                 f"version {(ttl >> 16) & 0xFF}  flags{do or ' -'}  rdlength {rdlength}")
    else:
        fixed = (f"type {dns.rdatatype.to_text(rdtype)}  class {dns.rdataclass.to_text(rdclass)}"
                 f"  TTL {ttl}  rdlength {rdlength}")
    lines += _lines(wire, offset, offset + RR_FIXED.size, fixed)
    offset += RR_FIXED.size
    if rdlength:
        rdata = dns.rdata.from_wire(rdclass, rdtype, wire, offset, rdlength)
        lines += _lines(wire, offset, offset + rdlength, f"rdata {rdata.to_text()}")
    return lines, offset + rdlength


# --8<-- [start:dump]
def dump(wire: bytes) -> str:
    """Every byte of `wire` in hex, each field labelled; what cannot be parsed is shown raw."""
    if len(wire) < HEADER.size:
        return "\n".join(_lines(wire, 0, len(wire), "too short for a DNS header"))
    ident, flags, *counts = HEADER.unpack_from(wire)
    lines = _lines(wire, 0, 2, f"ID {ident}") + _lines(wire, 2, 4, f"flags {describe_flags(flags)}")
    for index, name in enumerate(("QDCOUNT", "ANCOUNT", "NSCOUNT", "ARCOUNT")):
        lines += _lines(wire, 4 + 2 * index, 6 + 2 * index, f"{name} {counts[index]}")
    offset = HEADER.size
    try:
        for section, count in zip(SECTIONS, counts, strict=True):
            for _ in range(count):
                if section == "question":
                    name_lines, offset = _name(wire, offset, section)
                    lines += name_lines   # shown even when the type and class are cut off
                    rdtype, rdclass = struct.unpack_from("!HH", wire, offset)
                    lines += _lines(wire, offset, offset + 2,
                                    f"type {dns.rdatatype.to_text(rdtype)}")
                    lines += _lines(wire, offset + 2, offset + 4,
                                    f"class {dns.rdataclass.to_text(rdclass)}")
                    offset += 4
                else:
                    record_lines, offset = _record(wire, offset, section)
                    lines += record_lines
    except (IndexError, struct.error, dns.exception.DNSException) as error:
        return "\n".join(lines + _lines(wire, offset, len(wire), f"cannot parse the rest: {error}"))
    if offset < len(wire):
        lines += _lines(wire, offset, len(wire), "trailing bytes")
    return "\n".join(lines)
# --8<-- [end:dump]
