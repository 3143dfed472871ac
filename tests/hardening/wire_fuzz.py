"""Hostile packets, and a way to send them to a server and see what comes back.

The strategies make the kinds of bytes a broken or malicious client sends:
random bytes, a valid query with bits flipped or cut short, compression
pointers that loop or point forward, labels and names over their limits,
broken or doubled OPT records, and header counts that lie.
"""

from __future__ import annotations

import socket
import struct

import dns.message
from hypothesis import strategies as st

VALID = dns.message.make_query("www.example.test.", "A", use_edns=0).to_wire()
HEADER = struct.Struct("!HHHHHH")


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0) -> bytes:
    return HEADER.pack(qid, flags, qd, an, ns, ar)


QUESTION_TAIL = b"\x00\x01\x00\x01"  # type A, class IN
OPT = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"  # root, OPT, 1232, no flags

# Hand-made nasties, kept as regression cases whatever hypothesis draws.
NASTIES = [
    header() + b"\xc0\x0c" + QUESTION_TAIL,  # the name points at itself
    header() + b"\x01a\xc0\x0c" + QUESTION_TAIL,  # a label, then back to the start
    header() + b"\xc0\x20" + QUESTION_TAIL + bytes(20),  # a pointer forward
    header() + b"\xc0\xff" + QUESTION_TAIL,  # a pointer past the end
    header() + b"\x40" + b"a" * 64 + b"\x00" + QUESTION_TAIL,  # a 64-byte label
    header() + (b"\x3f" + b"a" * 63) * 5 + b"\x00" + QUESTION_TAIL,  # a 320-byte name
    header() + b"\x80abc\x00" + QUESTION_TAIL,  # reserved label type 10
    header(ar=2) + VALID[12:-11] + OPT + OPT,  # two OPT records
    header(ar=1) + VALID[12:-11] + b"\x03com" + OPT[1:],  # OPT not owned by the root
    header(ar=1) + VALID[12:-11] + OPT[:-2] + b"\x00\x10",  # OPT rdlength past the end
    header(an=1) + VALID[12:-11],  # a count that promises a record that is not there
    header(qd=0xFFFF) + VALID[12:-11],
    header(qd=0, ar=0),
    header(flags=0x7900) + VALID[12:-11],  # opcode 15
    header(flags=0x0140) + VALID[12:],  # the Z bit set
    VALID[:-1],
    VALID + b"\x00" * 7,  # trailing junk
]


@st.composite
def bit_flipped(draw) -> bytes:
    wire = bytearray(VALID)
    for index in draw(st.lists(st.integers(0, len(wire) * 8 - 1), min_size=1, max_size=4)):
        wire[index // 8] ^= 1 << (index % 8)
    return bytes(wire)


@st.composite
def cut_short(draw) -> bytes:
    return VALID[: draw(st.integers(0, len(VALID) - 1))]


@st.composite
def lying_counts(draw) -> bytes:
    counts = draw(st.tuples(*[st.integers(0, 0xFFFF)] * 4))
    return header(0x4321, 0x0100, *counts) + VALID[12:]


hostile_packets = st.one_of(
    st.binary(max_size=600),
    bit_flipped(),
    cut_short(),
    lying_counts(),
    st.sampled_from(NASTIES),
)


def udp_exchange(address, wire: bytes, sentinel: dns.message.Message,
                 timeout: float = 2.0) -> tuple[bytes | None, dns.message.Message]:
    """Send `wire`, then the sentinel query; return (reply to wire or None, sentinel reply).

    The sentinel comes back after the hostile packet's reply, if it has one, so a
    dropped packet costs no waiting for a timeout.
    """
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect(address)
        if wire:  # an empty datagram is still a datagram, but send() of b"" is fine too
            sock.send(wire)
        else:
            sock.send(b"")
        sock.send(sentinel.to_wire())
        first = sock.recv(65535)
        reply = _as_reply(first)
        if reply is not None and sentinel.is_response(reply):
            return None, reply
        return first, dns.message.from_wire(sock.recv(65535))


def _as_reply(wire: bytes) -> dns.message.Message | None:
    try:
        return dns.message.from_wire(wire)
    except Exception:
        return None
