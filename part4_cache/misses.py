"""A cache miss asked upstream on bytes: part 3's forwarder, without the parse.

A miss the slow way parses the client's query, builds and encodes a query of
its own, parses the upstream's reply, scrubs it, encodes it for the cache and
again for the client: six passes of dnspython for one answer. Most misses are
plain: one question for a name no local data answers, and a reply whose
records all answer it. For those, `BytesForwarder` does what part 3 does
with the bytes themselves:

- our own query: the client's question as asked, a new random ID, our EDNS
  record (RFC 6891: it is hop-by-hop), RD=1 and the client's DO bit;
- sent from a new socket on a random port, connected to the upstream, so
  the kernel drops datagrams from anywhere else (RFC 5452 s9.2, part 1);
- asked through part 3's own loop (`Forwarder.first_answer`): the same order,
  round-trip times, failover, and the same verdicts on each reply (TC, rcode);
- a reply is taken only with our ID, QR=1 and our question (RFC 5452 s9.1);
- a reply is passed on as bytes only when `plain_reply` finds nothing in it
  that part 3's scrub would drop, nor anything dnspython would refuse.

Anything else is parsed and handed to part 3's rules, unchanged: a reply
that needs scrubbing, a truncated one (asked again over TCP by part 1),
a reply with records we do not read here, or no answer at all (SERVFAIL).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import struct

import dns.exception
import dns.flags
import dns.message
import dns.rcode

from part1_client import (
    DnsClientError,
    ResolveTimeout,
    TransportError,
    exchange_detailed,
    socket_on_a_random_port,
)
from part1_client.sizes import EDNS_PAYLOAD, HEADER_SIZE
from part2_server import ZoneProcessor
from part2_server.wire import FLAG_QR, FLAG_TC, OPCODE_MASK, TYPE_OPT, opt_record
from part3_forwarder import Forwarder, HostsProcessor, Resolver, Upstream
from part3_forwarder.forwarder import ANSWERS, UpstreamDeclined, UpstreamFailure
from part3_forwarder.scrub import MAX_CHAIN

from .wire import WireError

logger = logging.getLogger(__name__)

# Record types `plain_reply` reads; a reply with any other goes the slow way.
TYPE_A, TYPE_NS, TYPE_CNAME, TYPE_SOA, TYPE_PTR, TYPE_AAAA = 1, 2, 5, 6, 12, 28
ADDRESS_SIZES = {TYPE_A: 4, TYPE_AAAA: 16}
NAME_TYPES = (TYPE_NS, TYPE_CNAME, TYPE_PTR)  # RDATA: one name
CLASS_IN = b"\0\1"
FIRST_META_TYPE = 128  # 128-255: questions about zone transfers, ANY...: the slow way
QUERY_FLAGS = b"\x01\x00"  # RD=1: we ask for recursion, always (CD=0: see caching.py)

_u16 = struct.Struct(">H")
_rr_fixed = struct.Struct(">HHIH")  # TYPE, CLASS, TTL, RDLENGTH


# --8<-- [start:upstream_query]
def upstream_query(query: bytes, question_end: int, dnssec_ok: bool) -> bytes:
    """Our query for the client's question, as part 3's make_upstream_query builds it.

    A new random ID (RFC 5452 s9.2: 16 bits a forger must guess, with the
    source port), flags RD=1, one question and one additional record: the
    client's question byte for byte, then our own OPT with the client's DO.
    """
    return (secrets.randbits(16).to_bytes(2, "big") + QUERY_FLAGS + b"\0\1\0\0\0\0\0\1"
            + query[HEADER_SIZE:question_end] + opt_record(dnssec_ok, EDNS_PAYLOAD))
# --8<-- [end:upstream_query]


# --8<-- [start:exchange]
async def exchange(upstream: Upstream, query: bytes, question_end: int, *,
                   timeout: float) -> tuple[bytes | dns.message.Message, float]:
    """One try at `upstream`, as part 1's exchange: the reply, and how long it took.

    The reply is bytes when it is plain (see `plain_reply`), else parsed. A
    truncated reply is asked again over TCP by part 1 itself (RFC 2181 s9).
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(timeout):
            if type(upstream) is Upstream:
                reply = await _udp(upstream, query, question_end)
            else:  # an upstream that asks on bytes its own way (part 6's over TLS)
                reply = await _over_stream(upstream, query, question_end, timeout)
            if (type(upstream) is Upstream and isinstance(reply, dns.message.Message)
                    and reply.flags & dns.flags.TC):
                logger.info("truncated reply from %s, retrying over TCP", upstream)
                result = await exchange_detailed(
                    dns.message.from_wire(query), upstream.host, upstream.port,
                    timeout=max(timeout - (loop.time() - start), 0.001), tries=1, tcp=True)
                reply = result.reply
    except TimeoutError:
        raise ResolveTimeout(f"no reply from {upstream} after {timeout:g}s") from None
    return reply, loop.time() - start


async def _udp(upstream: Upstream, query: bytes,
               question_end: int) -> bytes | dns.message.Message:
    """Send `query` from a new random port; wait for the datagram that answers it."""
    loop = asyncio.get_running_loop()
    try:
        sock = socket_on_a_random_port(upstream.host, upstream.port)  # part 1's, RFC 5452
    except OSError as error:
        raise TransportError(f"UDP to {upstream} failed: {error}") from None
    catcher = _ReplyCatcher(sock, query, question_end, loop.create_future())
    loop.add_reader(sock.fileno(), catcher.readable)
    try:
        sock.send(query)
        return await catcher.reply
    except OSError as error:
        raise TransportError(f"UDP to {upstream} failed: {error}") from None
    finally:
        loop.remove_reader(sock.fileno())
        sock.close()


async def _over_stream(upstream: Upstream, query: bytes, question_end: int,
                       timeout: float) -> bytes | dns.message.Message:
    """Ask an upstream with its own `exchange_wire` (a TLS connection, pipelined,
    that matches replies to queries by ID itself); judge the reply as over UDP."""
    reply = judged(await upstream.exchange_wire(query, timeout=timeout), query, question_end)
    if reply is None:
        raise TransportError(f"{upstream} answered another question")
    return reply


class _ReplyCatcher:
    """Part 1's _ReplyCatcher on bytes: waits for the reply to `query`, ignores the rest.

    The socket is connected, so only the upstream's address and port get in.
    A datagram with another ID, or QR=0, is dropped unread. A plain reply for
    our question is taken as bytes; anything else is judged as part 1 judges
    it (parsed, and for our question), so both paths believe the same packets.
    """

    def __init__(self, sock: socket.socket, query: bytes, question_end: int,
                 reply: asyncio.Future[bytes | dns.message.Message]) -> None:
        self.sock = sock
        self.query = query
        self.question_end = question_end
        self.reply = reply

    def readable(self) -> None:
        while not self.reply.done():
            try:
                data = self.sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # an ICMP error (port unreachable...): wait on
                logger.debug("UDP error while waiting for a reply: %s", error)
                return
            self.catch(data)

    def catch(self, data: bytes) -> None:
        """Take `data` as the reply, if it is the reply."""
        reply = judged(data, self.query, self.question_end)
        if reply is not None:
            self.reply.set_result(reply)


def judged(data: bytes, query: bytes, question_end: int) -> bytes | dns.message.Message | None:
    """`data` as the reply to `query`: plain bytes, parsed, or None if it is not the reply."""
    if len(data) < HEADER_SIZE or data[:2] != query[:2] or not data[2] & FLAG_QR:
        return None  # not our ID, or not a response: dropped unparsed
    if plain_reply(data, query, question_end):
        return data
    try:
        parsed = dns.message.from_wire(data)
    except Exception:  # dnspython raises many kinds on hostile bytes
        return None
    return parsed if dns.message.from_wire(query).is_response(parsed) else None
# --8<-- [end:exchange]


# --8<-- [start:plain_reply]
def plain_reply(reply: bytes, query: bytes, question_end: int) -> bool:
    """Is `reply` to `query` one we may pass on as it is?

    Yes when it has our question (any case: RFC 4343), no TC, and every record
    is one part 3's scrub keeps, in the order it keeps them: in the answer
    section the CNAME chain from the question, then the type asked at its
    last name; in the authority section an SOA or NS of a zone that holds
    that name; in the additional section addresses of the NS targets; the
    OPT last. Each record is read as dnspython reads it (names, pointers,
    RDATA lengths), and an RRset must come in one piece, without duplicates
    and with one TTL, since dnspython would merge those. Anything else, or
    any doubt: False, and the reply goes the slow way.
    """
    try:
        return _plain(reply, query, question_end)
    except (WireError, IndexError, struct.error):
        return False


def _plain(reply: bytes, query: bytes, question_end: int) -> bool:
    if reply[2] & (OPCODE_MASK | FLAG_TC) or reply[4:6] != b"\0\1":
        return False
    name_end = question_end - 4  # then QTYPE and QCLASS, which have no case
    if (reply[HEADER_SIZE:name_end].lower() != query[HEADER_SIZE:name_end].lower()
            or reply[name_end:question_end] != query[name_end:question_end]):
        return False  # another question
    qtype = _u16.unpack_from(query, name_end)[0]
    counts = _u16.unpack_from(reply, 6)[0], _u16.unpack_from(reply, 8)[0]
    total = counts[0] + counts[1] + _u16.unpack_from(reply, 10)[0]
    chain = [query[HEADER_SIZE:name_end].lower()]  # the names the answer leads through
    final = False  # the answer reached records of the type asked
    targets: set[bytes] = set()  # names whose addresses may come along
    seen: set[tuple] = set()
    rrset = ttl = None
    offset = question_end
    for index in range(total):
        section = 1 if index < counts[0] else 2 if index < counts[0] + counts[1] else 3
        owner, offset = read_name(reply, offset)
        rdtype, rdclass, rr_ttl, rdlength = _rr_fixed.unpack_from(reply, offset)
        start, offset = offset + 10, offset + 10 + rdlength
        if offset > len(reply):
            return False
        if rdtype == TYPE_OPT:  # ours to replace, if it is plain and last
            if section != 3 or index != total - 1 or owner != b"\0" or rdlength or rr_ttl >> 24:
                return False
            continue
        rdata = _rdata(reply, rdtype, start, offset)
        if rdata is None or rdclass != 1:
            return False  # a type we do not read here, or another class than IN
        if (section, owner, rdtype) != rrset:  # a new RRset: is it one scrub keeps?
            rrset, ttl = (section, owner, rdtype), rr_ttl
            if rrset in seen or not _kept(section, owner, rdtype, qtype, chain, final, targets):
                return False
            final = final or (section == 1 and rdtype == qtype)
        elif rr_ttl != ttl or (section == 1 and rdtype == TYPE_CNAME and qtype != TYPE_CNAME):
            return False  # TTLs to merge, or two CNAMEs for one name
        if (rrset, rdata) in seen:
            return False  # a duplicate record
        seen.update((rrset, (rrset, rdata)))
        if section == 1 and rdtype == TYPE_CNAME and qtype != TYPE_CNAME:
            if rdata in chain or len(chain) >= MAX_CHAIN:
                return False  # a loop, or longer than scrub follows
            chain.append(rdata)
        elif rdtype == TYPE_NS and section < 3:
            targets.add(rdata)
    return offset == len(reply)
# --8<-- [end:plain_reply]


def _kept(section: int, owner: bytes, rdtype: int, qtype: int, chain: list[bytes],
          final: bool, targets: set[bytes]) -> bool:
    """Would part 3's scrub keep this RRset, where it stands?"""
    if section == 1:  # on the chain: a CNAME leading on, or the type asked at its end
        return owner == chain[-1] and not final and rdtype in (qtype, TYPE_CNAME)
    if section == 2:  # the zone that holds the last name: its SOA or NS
        return rdtype in (TYPE_SOA, TYPE_NS) and is_at_or_below(chain[-1], owner)
    return rdtype in ADDRESS_SIZES and owner in targets


def _rdata(reply: bytes, rdtype: int, start: int, end: int) -> bytes | None:
    """The RDATA as dnspython compares it (names uncompressed, lowercased); None if
    its type is not one we read here. WireError if dnspython would refuse it."""
    if rdtype in ADDRESS_SIZES:
        if end - start != ADDRESS_SIZES[rdtype]:
            raise WireError("address of the wrong size")
        return reply[start:end]
    if rdtype in NAME_TYPES:
        name, after = read_name(reply, start)
    elif rdtype == TYPE_SOA:  # MNAME, RNAME, then five 32-bit numbers
        mname, after = read_name(reply, start)
        rname, after = read_name(reply, after)
        name, after = mname + rname + reply[after:after + 20], after + 20
    else:
        return None
    if after != end:
        raise WireError("RDATA of the wrong length")
    return name


def read_name(wire: bytes, offset: int) -> tuple[bytes, int]:
    """The name at `offset`, uncompressed and lowercased, and the offset just past it.

    As dnspython reads it: each compression pointer must point before the
    one followed last (so there are no loops), labels are at most 63 bytes
    and the name at most 255 (RFC 1035 s3.1, s4.1.4).
    """
    name = bytearray()
    end = None
    lowest = offset
    while True:
        length = wire[offset]
        if length == 0:
            break
        if length >= 0xC0:  # a pointer: the rest of the name is further up
            target = (length & 0x3F) << 8 | wire[offset + 1]
            if target >= lowest:
                raise WireError("compression pointer that does not point back")
            end = offset + 2 if end is None else end
            lowest = offset = target
            continue
        if length > 63 or offset + 1 + length > len(wire):
            raise WireError("bad label")
        name += wire[offset:offset + 1 + length]
        offset += 1 + length
    if len(name) >= 255:
        raise WireError("name longer than 255 bytes")
    return bytes(name.lower()) + b"\0", offset + 1 if end is None else end


def is_at_or_below(name: bytes, zone: bytes) -> bool:
    """Is `name` the same as `zone` or a name under it (both lowercased, uncompressed)?"""
    offset = 0
    while True:
        if name[offset:] == zone:
            return True
        if name[offset] == 0:
            return False
        offset += name[offset] + 1


def well_formed(name: bytes) -> bool:
    """A name of plain labels (no compression) ending exactly at the end of `name`."""
    offset = 0
    while offset < len(name) <= 255:
        length = name[offset]
        if length == 0:
            return offset == len(name) - 1
        if length > 63:
            return False
        offset += length + 1
    return False


class LocalNames:
    """The names local data may answer (the zones, the hosts file): never asked on bytes.

    Kept as lowercased wire names, and made again when a reload (SIGHUP)
    gives the zones or the hosts file new tables.
    """

    def __init__(self, zones: ZoneProcessor | None, hosts: HostsProcessor | None) -> None:
        self.zones = zones
        self.hosts = hosts
        self._zones_seen: frozenset | None = None
        self._hosts_seen: dict | None = None
        self._origins: frozenset[bytes] = frozenset()
        self._hosts: frozenset[bytes] = frozenset()

    def claim(self, name: bytes) -> bool:
        """Is `name` (wire, lowercased) in the hosts file, or at or under a local zone?"""
        zones = self.zones.origins if self.zones is not None else None
        hosts = self.hosts.addresses if self.hosts is not None else None
        if zones is not self._zones_seen or hosts is not self._hosts_seen:
            self._remake(zones, hosts)
        if name in self._hosts:
            return True
        offset = 0
        while True:  # the name itself, then each name above it up to the root
            if name[offset:] in self._origins:
                return True
            if name[offset] == 0:
                return False
            offset += name[offset] + 1

    def _remake(self, zones: frozenset | None, hosts: dict | None) -> None:
        self._zones_seen, self._hosts_seen = zones, hosts
        self._origins = frozenset(origin.canonicalize().to_wire() for origin in zones or ())
        reverse = self.hosts.names if self.hosts is not None else {}
        self._hosts = frozenset(name.canonicalize().to_wire()
                                for name in [name for name, _ in hosts or ()] + list(reverse))


class _Question:
    """The question of a query as text, for log lines: decoded only when logged."""

    def __init__(self, query: bytes) -> None:
        self.query = query

    def __str__(self) -> str:
        return str(dns.message.from_wire(self.query).question[0])


# --8<-- [start:forwarder]
def asks_on_bytes(upstream: Upstream) -> bool:
    """Plain UDP, or an upstream with a bytes exchange of its own (part 6's TLS)."""
    return type(upstream) is Upstream or hasattr(upstream, "exchange_wire")


class BytesForwarder:
    """Part 3's forwarder, asked with bytes: the same upstreams, records and limits."""

    def __init__(self, forwarder: Forwarder, local: LocalNames) -> None:
        self.forwarder = forwarder
        self.local = local

    @classmethod
    def for_resolver(cls, resolver: Resolver) -> BytesForwarder | None:
        """One for part 3's resolver, if every upstream asks on bytes (else None)."""
        forwarder = resolver.forwarder
        if forwarder is None or not all(asks_on_bytes(u) for u in forwarder.upstreams):
            return None  # another way out (part 8), or HTTPS upstreams (part 6)
        return cls(forwarder, LocalNames(resolver.zones, resolver.hosts))

    def takes(self, key: bytes) -> bool:
        """Is the question of this cache key one to ask on bytes?

        Class IN, a type that is a question about data (not a zone transfer,
        ANY or another meta type), a well-formed name, and no local data for it.
        """
        name, rdtype = key[:-5], key[-5] << 8 | key[-4]
        return (key[-3:-1] == CLASS_IN and 0 < rdtype < FIRST_META_TYPE and rdtype != TYPE_OPT
                and well_formed(name) and not self.local.claim(name))

    async def forward(self, query: bytes, question_end: int,
                      dnssec_ok: bool) -> bytes | dns.message.Message | None:
        """The first answer from the upstreams: plain bytes, parsed, or None (SERVFAIL)."""
        ours = upstream_query(query, question_end, dnssec_ok)
        question = _Question(ours)
        try:
            async with asyncio.timeout(self.forwarder.timeout):
                return await self.forwarder.first_answer(
                    lambda upstream: self.ask(upstream, ours, question_end), question)
        except TimeoutError:
            logger.info("SERVFAIL for %s: no upstream answered in %gs",
                        question, self.forwarder.timeout)
            return None

    async def ask(self, upstream: Upstream, query: bytes,
                  question_end: int) -> bytes | dns.message.Message:
        """One attempt at one upstream, judged as part 3's Forwarder.ask judges it."""
        health = self.forwarder.health
        try:
            reply, elapsed = await exchange(upstream, query, question_end,
                                            timeout=health.attempt_timeout(upstream))
        except ResolveTimeout:
            raise
        except (DnsClientError, dns.exception.DNSException, OSError, EOFError) as error:
            raise UpstreamFailure(f"{type(error).__name__}: {error}") from error
        if isinstance(reply, dns.message.Message):
            return self.forwarder.judge(upstream, dns.message.from_wire(query), reply, elapsed)
        health.succeeded(upstream, elapsed)  # a plain reply: our question, TC=0
        if reply[3] & 0x0F not in ANSWERS:
            raise UpstreamDeclined(dns.rcode.to_text(reply[3] & 0x0F))
        return reply
# --8<-- [end:forwarder]


def stored_form(reply: bytes, query: bytes, question_end: int) -> bytes:
    """A plain reply as part 3's relay would make it, for the cache to keep.

    The header of a response to the client (QR=1, RD=1, RA=1: we recurse;
    AA and AD cleared: we are neither the authority nor a validator) with
    the upstream's rcode and counts, the client's question as asked, then
    the upstream's records unchanged. The question has the same length as
    the upstream's copy of it, so compression pointers still point right.
    """
    flags = bytes((FLAG_QR | 0x01, 0x80 | reply[3] & 0x0F))
    return b"\0\0" + flags + reply[4:HEADER_SIZE] + query[HEADER_SIZE:question_end] \
        + reply[question_end:]
