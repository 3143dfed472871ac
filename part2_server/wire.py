"""A query's bytes, read without dnspython: what a fast path needs to answer it.

Parsing a query into a `dns.message.Message` and rendering the reply costs
tens of microseconds. An answer known in advance (part 2's prepared
answers, part 4's cache) can be sent in a few, straight from bytes
(RFC 1035 s4.1):

    +0  ID        2 bytes   copied from the query
    +2  flags     2 bytes   QR OPCODE AA TC RD | RA Z AD CD RCODE
    +4  QDCOUNT   ANCOUNT   NSCOUNT   ARCOUNT   (2 bytes each)
    +12 question: QNAME (length-prefixed labels, ending with a 0 byte), QTYPE, QCLASS
        then every resource record (RR):
        NAME  TYPE(2)  CLASS(2)  TTL(4)  RDLENGTH(2)  RDATA(RDLENGTH)

`read_query` reads the key of an ordinary query (its question, lowercased,
and its DO bit) and refuses anything unusual: the slow path deals with that.
`header_variants` prepares the header a reply sends to each kind of client,
and `OPT_RECORDS` the OPT record it ends with.
"""

from __future__ import annotations

import functools
import struct
from typing import NamedTuple

from part1_client.sizes import EDNS_PAYLOAD, HEADER_SIZE, MIN_UDP_PAYLOAD

TYPE_OPT = 41
FLAG_QR = 0x80  # in byte 2 of the header
FLAG_TC = 0x02  # in byte 2
FLAG_RD = 0x01  # in byte 2
FLAG_CD = 0x10  # in byte 3
FLAG_AD = 0x20  # in byte 3: "authentic data", a validator's verdict (RFC 4035 s3.2.3)
OPCODE_MASK = 0x78  # in byte 2; opcode 0 is QUERY
EDNS_DO = 0x8000  # RFC 3225: "DNSSEC OK", the top bit of the OPT's flags
OPT_SIZE = 11  # an OPT record without options
OPTION_COOKIE = 10  # RFC 7873
OPTION_PADDING = 12  # RFC 7830

_u16 = struct.Struct(">H")
_opt = struct.Struct(">BHHBBHH")  # root, TYPE, payload, ext. rcode, version, flags, RDLENGTH
_option_header = struct.Struct(">HH")  # an EDNS option's code and length


# --8<-- [start:query]
class Query(NamedTuple):
    """What a fast path needs from a query's bytes."""

    key: bytes  # see question_key
    question_end: int  # offset just past the question
    edns: bool  # the query carried an OPT record
    udp_limit: int  # the largest UDP reply the client takes


# Builds a Query without the keyword-argument handling of Query(...): the
# fast path runs this for every packet and the difference is measurable.
_new_query = tuple.__new__


def question_key(question: bytes, dnssec_ok: bool) -> bytes:
    """The key of a question (qname lowercased, qtype, qclass, DO), packed as bytes.

    `question` is QNAME + QTYPE + QCLASS as on the wire. A bytes key hashes and
    compares fast. Names compare case-insensitively (RFC 4343), but only ASCII
    letters have a case, and bytes.lower() changes only ASCII letters; label
    length bytes are at most 63, below "A" (65), so they never change.
    """
    return question[:-4].lower() + question[-4:] + (b"\1" if dnssec_ok else b"\0")


def key_dnssec_ok(key: bytes) -> bool:
    """The DO bit packed into a key by question_key."""
    return key[-1] == 1


def read_query(wire: bytes) -> Query | None:
    """The key of an ordinary query, or None for anything unusual.

    Ordinary means: a QUERY (opcode 0, QR=0) with one question and no answer
    or authority records, and either nothing else or one EDNS version 0 OPT
    record at the end. Anything else goes the slow way, where the server's
    full rules apply (FORMERR, NOTIMP, BADVERS...).

    The question name is not walked label by label here: it does not need to
    be. Stored keys are made from well-formed names, and a name is read from
    its first byte, so bytes equal to a stored name are that name: a malformed
    name can only miss, and a miss takes the slow path, which rejects it.
    """
    if len(wire) < HEADER_SIZE + 5 or wire[2] & (FLAG_QR | OPCODE_MASK):
        return None  # a runt, a response or another opcode
    counts = wire[4:12]
    if counts == b"\0\1\0\0\0\0\0\0":  # one question, nothing else
        # (question_key, inlined: this runs for every query)
        key = wire[HEADER_SIZE:-4].lower() + wire[-4:] + b"\0"
        return _new_query(Query, (key, len(wire), False, MIN_UDP_PAYLOAD))
    if counts != b"\0\1\0\0\0\0\0\1":
        return None
    # The OPT pseudo-RR (RFC 6891 s6.1.2): root name, TYPE 41, CLASS = the
    # client's UDP payload size, TTL = extended rcode, version and flags,
    # then RDLENGTH. Without options, it is the last 11 bytes.
    end = len(wire) - 11
    root, rdtype, payload, ext_rcode, version, flags, rdlength = _opt.unpack_from(wire, end)
    if root or rdtype != TYPE_OPT or rdlength:
        return _read_query_with_options(wire)
    if ext_rcode or version:
        return None  # rcode bits in a query, or EDNS version > 0 (the slow path says BADVERS)
    key = wire[HEADER_SIZE:end - 4].lower() + wire[end - 4:end] + (
        b"\1" if flags & EDNS_DO else b"\0")
    return _new_query(Query, (key, end, True, max(payload, MIN_UDP_PAYLOAD)))
# --8<-- [end:query]


def _read_query_with_options(wire: bytes) -> Query | None:
    """read_query for an OPT with options (dig sends a cookie): walk the name to find it."""
    offset = HEADER_SIZE
    try:
        while wire[offset]:
            # A compression pointer or another label type (first byte above
            # 63) is read as a long label: the key is then no stored name's.
            offset += wire[offset] + 1
    except IndexError:
        return None
    question_end = offset + 5
    options = question_end + 11
    if options > len(wire):
        return None
    root, rdtype, payload, ext_rcode, version, flags, rdlength = _opt.unpack_from(
        wire, question_end)
    if root or rdtype != TYPE_OPT or ext_rcode or version:
        return None
    if options + rdlength != len(wire) or not _options_a_fast_path_may_skip(wire, options):
        return None
    return Query(question_key(wire[HEADER_SIZE:question_end], bool(flags & EDNS_DO)),
                 question_end, True, max(MIN_UDP_PAYLOAD, payload))


def _options_a_fast_path_may_skip(wire: bytes, offset: int) -> bool:
    """Are the EDNS options (code, length, data) only ones a fast path may ignore?

    A well-formed COOKIE (dig sends one) and PADDING change nothing in the
    answer: the server's reply carries neither. Any other option, and a COOKIE
    of the wrong size, goes the slow way, where dnspython checks it and a
    malformed one gets FORMERR, so both paths answer alike.
    """
    while offset < len(wire):
        if offset + 4 > len(wire):
            return False
        code, length = _option_header.unpack_from(wire, offset)
        offset += 4 + length
        if code == OPTION_COOKIE:
            # RFC 7873 s4: an 8-byte client cookie, or that and a 8-32 byte server cookie.
            if length != 8 and not 16 <= length <= 40:
                return False
        elif code != OPTION_PADDING:
            return False
    return offset == len(wire)


def opt_record(dnssec_ok: bool, payload: int = EDNS_PAYLOAD) -> bytes:
    """The 11 bytes of the OPT our server sends: version 0, no options.

    root name (1 byte: 00), TYPE 41 (00 29), CLASS = our UDP payload size,
    TTL = extended rcode 0, version 0, flags (only DO, copied from the query
    as RFC 3225 s3 asks), RDLENGTH 0.
    """
    return b"\0" + _u16.pack(TYPE_OPT) + _u16.pack(payload) + b"\0\0" + (
        b"\x80\0" if dnssec_ok else b"\0\0") + b"\0\0"


# The OPT record a fast reply appends for a client that sent one, by DO bit.
OPT_RECORDS = (opt_record(False), opt_record(True))


# --8<-- [start:header_variants]
@functools.lru_cache(maxsize=1024)
def header_variants(header: bytes, dnssec_ok: bool = False) -> tuple[bytes, ...]:
    """Bytes 2 to 11 of a stored reply's header as a fast path sends them, per client.

    `header` is the stored flags and counts. A response copies RD (RFC 1035
    s4.1.1) and CD (RFC 4035 s3.1.6) from its query, and counts one more
    additional record when it carries our OPT; a stored AD=1 (part 7) goes
    only to a client that set AD or DO (RFC 6840 s5.7), and DO is part of the
    cache key (`dnssec_ok`). So there are 16 variants, at index AD*8 + EDNS*4
    + RD*2 + CD. Many replies share a header (NOERROR, one answer...), so
    each distinct header's variants are made once and shared.
    """
    flags, more = header[0] & ~FLAG_RD, header[1] & ~(FLAG_CD | FLAG_AD)
    ad = header[1] & FLAG_AD
    arcount = header[8] << 8 | header[9]
    return tuple(
        bytes((flags | rd, more | (FLAG_CD if cd else 0) | (ad if dnssec_ok or asked else 0)))
        + header[2:8] + _u16.pack(arcount + edns)
        for asked in (0, 1) for edns in (0, 1) for rd in (0, 1) for cd in (0, 1)
    )
# --8<-- [end:header_variants]

