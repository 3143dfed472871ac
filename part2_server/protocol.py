"""The rules every DNS server applies before and after asking its processor.

`respond` turns the bytes of one query into the bytes of its reply (or None
to send nothing). It knows nothing of sockets, so the UDP loop, the TCP loop
and the tests all share it.
"""

from __future__ import annotations

import logging

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from part1_client.sizes import EDNS_PAYLOAD, HEADER_SIZE, MAX_MESSAGE, MIN_UDP_PAYLOAD

from .processor import Busy, Endpoint, Processor, reply_with_rcode

logger = logging.getLogger(__name__)

# Types that only mean something inside a message, never as a question (RFC 6895
# s3.1: OPT, TSIG, TKEY; MAILA and MAILB are obsolete, and 128 to 255 are the
# meta and question types). AXFR, IXFR and ANY are questions; they are dealt with apart.
META_TYPES = frozenset(
    {dns.rdatatype.OPT, dns.rdatatype.TSIG, dns.rdatatype.TKEY,
     dns.rdatatype.MAILA, dns.rdatatype.MAILB, *range(128, 249)}
)
# The header bits that mean something in a query: the opcode, RD, AD and CD
# (RFC 1035 s4.1.1; RFC 6840 s5.7 for AD). AA, TC, RA, Z and the rcode only
# mean something in a reply.
QUERY_FLAG_BITS = 0x7800 | dns.flags.RD | dns.flags.AD | dns.flags.CD


# --8<-- [start:respond]
async def respond(
    wire: bytes, processor: Processor, *, src: Endpoint, dst: Endpoint, udp: bool,
    max_udp_reply: int = EDNS_PAYLOAD,
) -> bytes | None:
    """The reply to the query in `wire`, or None when the packet is dropped."""
    if len(wire) < HEADER_SIZE:
        return None  # a runt: not even an ID to answer to
    if wire[2] & 0x80:
        return None  # QR=1 is a response; answering it invites reflection loops
    try:
        query = dns.message.from_wire(only_query_flags(wire))
    except Exception as error:  # dnspython raises many kinds on hostile bytes
        logger.debug("FORMERR to %s: %s", src, error)
        return header_only_reply(wire, dns.rcode.FORMERR)
    reply = await answer(query, processor, src=src, dst=dst)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s:%d %s -> %s", *src, query.question[:1], dns.rcode.to_text(reply.rcode()))
    return render(query, reply, udp=udp, max_udp_reply=max_udp_reply)
# --8<-- [end:respond]


# --8<-- [start:only_query_flags]
def only_query_flags(wire: bytes) -> bytes:
    """`wire` with the header bits a query has no use for cleared.

    dnspython keeps every distinct flags value it ever parses (Python's enum
    caches them), so hostile queries with random bits would grow the process
    by a few hundred bytes per new combination, up to 32,768 of them. Cleared
    first, 128 combinations remain in queries (and a few more in our replies).
    """
    flags = int.from_bytes(wire[2:4], "big") & QUERY_FLAG_BITS
    return wire[:2] + flags.to_bytes(2, "big") + wire[4:]
# --8<-- [end:only_query_flags]


def refused_from_header(wire: bytes) -> bytes | None:
    """REFUSED without parsing, for a client over its rate; None for what we drop anyway."""
    if len(wire) < HEADER_SIZE or wire[2] & 0x80:
        return None
    return header_only_reply(wire, dns.rcode.REFUSED)


def header_only_reply(wire: bytes, rcode: dns.rcode.Rcode) -> bytes:
    """A reply made from the 12-byte header alone, for a query we cannot parse."""
    query_id = wire[0:2]
    flags = int.from_bytes(wire[2:4], "big")
    # Keep the opcode and RD as asked, set QR, and put the rcode in the low bits.
    flags = dns.flags.QR | (flags & (0x7800 | dns.flags.RD)) | int(rcode)
    return query_id + flags.to_bytes(2, "big") + bytes(8)


# --8<-- [start:answer]
async def answer(
    query: dns.message.Message, processor: Processor, *, src: Endpoint, dst: Endpoint
) -> dns.message.Message:
    """Check the query the way every server must, then let the processor answer it."""
    if query.opcode() != dns.opcode.QUERY:
        return reply_with_rcode(query, dns.rcode.NOTIMP)  # NOTIFY, UPDATE, ...: not ours
    if len(query.question) != 1:
        reply = reply_with_rcode(query, dns.rcode.FORMERR)
        reply.question = []  # which of several (or no) questions would we echo?
        return reply
    if query.edns > 0:
        return reply_with_rcode(query, dns.rcode.BADVERS)  # RFC 6891 s6.1.3
    question = query.question[0]
    if question.rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
        return reply_with_rcode(query, dns.rcode.REFUSED)  # we do not transfer zones
    if question.rdtype in META_TYPES:
        return reply_with_rcode(query, dns.rcode.FORMERR)  # not a question (unbound agrees)
    if question.rdclass != dns.rdataclass.IN:
        return reply_with_rcode(query, dns.rcode.REFUSED)  # CH, HS, NONE, ANY: not ours
    try:
        reply = await processor(query, src=src, dst=dst)
    except Busy as busy:
        logger.debug("SERVFAIL to %s:%d, busy: %s", *src, busy)
        return reply_with_rcode(query, dns.rcode.SERVFAIL)
    except Exception:
        logger.exception("processor failed on %s from %s:%d", query.question[0], *src)
        return reply_with_rcode(query, dns.rcode.SERVFAIL)
    if reply is None:  # no processor claimed the name
        return reply_with_rcode(query, dns.rcode.REFUSED)
    return reply
# --8<-- [end:answer]


# --8<-- [start:render]
def render(query: dns.message.Message, reply: dns.message.Message, *, udp: bool,
           max_udp_reply: int = EDNS_PAYLOAD) -> bytes:
    """Encode `reply` for the client who sent `query`, within its size limit and ours."""
    reply.id = query.id
    rcode = reply.rcode()
    if query.edns >= 0:
        # RFC 6891 s7: OPT in the reply only when the query had one. It is
        # hop-by-hop, so it is ours, not whatever the processor's source sent.
        # RFC 3225 s3: the DO bit is copied from the query. An Extended DNS
        # Error (RFC 8914) a processor of ours added is ours: it stays.
        errors = [option for option in reply.options if option.otype == dns.edns.OptionType.EDE]
        reply.use_edns(0, query.ednsflags & dns.flags.DO, EDNS_PAYLOAD, options=errors)
    else:
        reply.use_edns(False)
    reply.set_rcode(rcode)  # extended rcodes (BADVERS) live in the OPT we just set
    reply.flags &= ~dns.flags.TC
    # RFC 4035 s3.1.6: the CD bit is copied from the query into the reply.
    reply.flags = (reply.flags & ~dns.flags.CD) | (query.flags & dns.flags.CD)
    # Over UDP, never more than our own limit, whatever payload the client
    # claims: a small forged query must not buy a big reply (amplification).
    limit = min(udp_limit(query), max_udp_reply) if udp else MAX_MESSAGE
    try:
        return reply.to_wire(max_size=limit)
    except dns.exception.TooBig:
        return truncated(reply, limit)
# --8<-- [end:render]


def udp_limit(query: dns.message.Message) -> int:
    """The largest UDP reply this client said it can take."""
    if query.edns < 0:
        return MIN_UDP_PAYLOAD
    return max(MIN_UDP_PAYLOAD, query.payload)


# --8<-- [start:truncated]
def truncated(reply: dns.message.Message, limit: int) -> bytes:
    """The reply that fits in `limit` bytes, with TC=1 when something needed is missing."""
    # RFC 2181 s9: leaving out additional data is no reason to set TC, except
    # the glue of a referral, which the client cannot do without (RFC 9471).
    reply.additional = []
    if not is_referral(reply):
        try:
            return reply.to_wire(max_size=limit)
        except dns.exception.TooBig:
            pass
    # TC=1 with empty sections: the client will ask again over TCP (RFC 7766 s5).
    reply.answer = []
    reply.authority = []
    reply.flags |= dns.flags.TC
    return reply.to_wire(max_size=limit)
# --8<-- [end:truncated]


def is_referral(reply: dns.message.Message) -> bool:
    return (
        not reply.answer
        and not reply.flags & dns.flags.AA
        and any(rrset.rdtype == dns.rdatatype.NS for rrset in reply.authority)
    )
