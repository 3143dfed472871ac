"""A scripted fake DNS server for tests: it answers what the test tells it to.

It listens on an ephemeral port of 127.0.0.1 over UDP and TCP and plays
whatever role a test needs: a well-behaved upstream resolver, a slow one, one
that loses packets, truncates, answers garbage, or lets an attacker's spoofed
reply arrive before the real one. Every query that reaches it is recorded, so a
test can check what a client or forwarder actually sent.

In an async test, use the ``fake_upstream`` fixture (already started in the
test's event loop) or start one yourself::

    async with FakeDnsServer() as fake:
        fake.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.5")
        reply = await dns.asyncquery.udp(query, fake.host, port=fake.port)

In a sync test, or to serve a subprocess (a CLI under test), run it in a thread
with its own event loop (fixture ``fake_upstream_thread``)::

    with FakeDnsServer.in_thread() as fake:
        fake.nxdomain("nope.example.")
        subprocess.run([..., f"@{fake.host}", "-p", str(fake.port)])

Scripting, one rule per (name, type); ``None`` for either means "any". The most
specific rule wins (name and type, then name, then type, then neither), and
among equally specific rules the latest one, so a test can override a default.
Queries that no rule matches get ``default_rcode`` (REFUSED).

    fake.answer(name, rdtype, *rr_lines, authority=(), additional=())
    fake.records(*rr_lines)            # one answer rule per (owner, type) found
    fake.nxdomain(name)                # any type, SOA in the authority section
    fake.nodata(name, rdtype)          # NOERROR, empty answer, SOA in authority
    fake.rcode(name, rdtype, "SERVFAIL")
    fake.script(name, rdtype, handler=callable)   # build any reply yourself

Every rule method also takes the behaviour options of :class:`Rule`:
``delay``, ``drop``, ``truncate``, ``spoof``, ``tcp_close``, ``aa``.
``FakeDnsServer(tcp="refuse")`` binds the TCP port without listening, so TCP
connections are refused while UDP is served.

What reached it: ``fake.queries`` (every packet, in order, as
:class:`ReceivedQuery`: transport, raw wire, source, parsed message or None,
and shortcuts name, rdtype, do, cd) and ``fake.queries_for(name, rdtype)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Self

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zonefile

log = logging.getLogger(__name__)

Endpoint = tuple[str, int]
Handler = Callable[[dns.message.Message], dns.message.Message | None]

#: Addresses carried by spoofed replies: if a client ever returns one of these,
#: it accepted a forged packet. (Documentation prefixes, RFC 5737 / RFC 3849.)
POISON_A = "192.0.2.66"
POISON_AAAA = "2001:db8::66"
#: The question a "question" spoof answers instead of the one asked.
SPOOFED_QNAME = dns.name.from_text("spoofed.invalid.")

SPOOF_KINDS = ("id", "question", "source", "garbage")


def parse_rrs(lines: Sequence[str]) -> list[dns.rrset.RRset]:
    """Zone-style RR lines ("www.example. 300 IN A 127.0.0.5") to RRsets.

    Owner names are absolute; lines with the same owner and type are merged
    into one RRset, in the order they first appear.

    >>> [rrset.to_text() for rrset in parse_rrs(["a.example. 60 IN A 127.0.0.1"])]
    ['a.example. 60 IN A 127.0.0.1']
    """
    merged: dict[tuple, dns.rrset.RRset] = {}
    for line in lines:
        # Parsed one by one, with the owner as origin: dnspython only accepts
        # an SOA at the origin, and a test's SOA can belong to any zone.
        owner = dns.name.from_text(line.split(None, 1)[0])
        for rrset in dns.zonefile.read_rrsets(line + "\n", rdclass=None, origin=owner):
            key = (rrset.name, rrset.rdclass, rrset.rdtype)
            if key in merged:
                for rdata in rrset:
                    merged[key].add(rdata, rrset.ttl)
            else:
                merged[key] = rrset
    return list(merged.values())


def default_soa(name: dns.name.Name) -> list[str]:
    """A plausible SOA for negative answers about `name`: its parent's zone.

    >>> default_soa(dns.name.from_text("nope.example."))
    ['example. 300 IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300']
    """
    zone = name.parent() if len(name) > 2 else name
    return [f"{zone} 300 IN SOA ns.{zone} hostmaster.{zone} 1 3600 600 86400 300"]


def _as_name(name: str | dns.name.Name | None) -> dns.name.Name | None:
    if name is None or isinstance(name, dns.name.Name):
        return name
    return dns.name.from_text(name)


def _as_type(rdtype: str | int | None) -> int | None:
    if rdtype is None:
        return None
    return dns.rdatatype.RdataType.make(rdtype)


@dataclasses.dataclass
class ReceivedQuery:
    """One packet that reached the fake server."""

    transport: str  # "udp" or "tcp"
    wire: bytes  # the raw bytes, as received
    src: Endpoint
    message: dns.message.Message | None  # None when the bytes did not parse

    @property
    def name(self) -> dns.name.Name | None:
        return self.message.question[0].name if self.message and self.message.question else None

    @property
    def rdtype(self) -> int | None:
        return self.message.question[0].rdtype if self.message and self.message.question else None

    @property
    def do(self) -> bool:
        """The DNSSEC OK bit of the query's EDNS OPT record."""
        return bool(self.message and self.message.ednsflags & dns.flags.DO)

    @property
    def cd(self) -> bool:
        """The Checking Disabled header bit."""
        return bool(self.message and self.message.flags & dns.flags.CD)


@dataclasses.dataclass
class Rule:
    """What to answer for queries matching (name, rdtype), and how to misbehave.

    rcode, answer, authority, additional, aa: the reply's content (RA is always
    set: the fake plays a recursive resolver). ``handler``, when given, builds
    the reply from the query instead (return None to send nothing).

    delay: seconds to wait before replying.
    drop: how many matching queries to ignore before answering; True = all.
        Only the real reply is dropped: spoofed packets are still sent.
    truncate: UDP replies carry TC=1 and empty sections; TCP gets it all.
    spoof: bogus UDP packets to send *before* the real reply, any of
        "id" (wrong message ID), "question" (right ID, other question),
        "source" (the right reply, from another port) and "garbage" (right ID,
        unparseable body). Forged answers carry POISON_A / POISON_AAAA.
    tcp_close: over TCP, close the connection instead of answering.
    """

    name: dns.name.Name | None = None
    rdtype: int | None = None
    rcode: int = dns.rcode.NOERROR
    answer: list[dns.rrset.RRset] = dataclasses.field(default_factory=list)
    authority: list[dns.rrset.RRset] = dataclasses.field(default_factory=list)
    additional: list[dns.rrset.RRset] = dataclasses.field(default_factory=list)
    aa: bool = False
    handler: Handler | None = None
    delay: float = 0.0
    drop: int | bool = 0
    truncate: bool = False
    spoof: Sequence[str] = ()
    tcp_close: bool = False
    seen: int = 0  # matching queries so far

    def matches(self, name: dns.name.Name, rdtype: int) -> bool:
        return (self.name is None or self.name == name) and (
            self.rdtype is None or self.rdtype == rdtype
        )

    @property
    def specificity(self) -> int:
        return (self.name is not None) * 2 + (self.rdtype is not None)

    def take_drop(self) -> bool:
        """Count a matching query; True if this one is to be dropped."""
        self.seen += 1
        if self.drop is True:
            return True
        return self.seen <= int(self.drop)


class FakeDnsServer:
    """A scripted DNS server on 127.0.0.1, UDP and TCP on the same port.

    tcp: "serve" (default) or "refuse" (the port is bound but not listening,
    so TCP connections are refused; UDP still works).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tcp: str = "serve",
                 default_rcode: int | str = dns.rcode.REFUSED) -> None:
        if tcp not in ("serve", "refuse"):
            raise ValueError(f"tcp must be 'serve' or 'refuse', not {tcp!r}")
        self._host = host
        self._requested_port = port
        self._tcp_mode = tcp
        self.default_rcode = dns.rcode.Rcode.make(default_rcode)
        self.rules: list[Rule] = []
        self.queries: list[ReceivedQuery] = []
        self._port = 0
        self._udp: asyncio.DatagramTransport | None = None
        self._spoof_socket: socket.socket | None = None
        self._tcp_server: asyncio.Server | None = None
        self._tcp_refusing: socket.socket | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()

    # -- scripting ---------------------------------------------------------

    def script(self, name: str | dns.name.Name | None = None,
               rdtype: str | int | None = None, **options) -> Rule:
        """Add a rule; `options` are :class:`Rule` fields. Returns the rule."""
        spoof = options.get("spoof", ())
        spoof = (spoof,) if isinstance(spoof, str) else tuple(spoof)
        unknown = set(spoof) - set(SPOOF_KINDS)
        if unknown:
            raise ValueError(f"unknown spoof kinds {sorted(unknown)}; use {SPOOF_KINDS}")
        options["spoof"] = spoof
        if "rcode" in options:
            options["rcode"] = dns.rcode.Rcode.make(options["rcode"])
        for section in ("answer", "authority", "additional"):
            if section in options:
                options[section] = parse_rrs(options[section])
        rule = Rule(name=_as_name(name), rdtype=_as_type(rdtype), **options)
        self.rules.append(rule)
        return rule

    def answer(self, name: str | dns.name.Name | None, rdtype: str | int | None,
               *rr_lines: str, **options) -> Rule:
        """Answer with these zone-style records (e.g. a CNAME chain and its A)."""
        return self.script(name, rdtype, answer=list(rr_lines), **options)

    def records(self, *rr_lines: str, **options) -> list[Rule]:
        """One answer rule per (owner, type) in the given records."""
        return [
            self.script(rrset.name, rrset.rdtype, answer=[rrset.to_text()], **options)
            for rrset in parse_rrs(rr_lines)
        ]

    def nxdomain(self, name: str | dns.name.Name, rdtype: str | int | None = None, *,
                 soa: Sequence[str] | None = None, **options) -> Rule:
        """NXDOMAIN for `name` (any type by default), SOA in authority (RFC 2308 s3)."""
        name = _as_name(name)
        authority = list(soa) if soa is not None else default_soa(name)
        return self.script(name, rdtype, rcode=dns.rcode.NXDOMAIN, authority=authority,
                           **options)

    def nodata(self, name: str | dns.name.Name, rdtype: str | int, *,
               soa: Sequence[str] | None = None, **options) -> Rule:
        """NOERROR with an empty answer and an SOA in authority (RFC 2308 s2.2)."""
        name = _as_name(name)
        authority = list(soa) if soa is not None else default_soa(name)
        return self.script(name, rdtype, authority=authority, **options)

    def rcode(self, name: str | dns.name.Name | None, rdtype: str | int | None,
              rcode: int | str, **options) -> Rule:
        """Answer with a bare rcode such as "SERVFAIL" or "REFUSED"."""
        return self.script(name, rdtype, rcode=rcode, **options)

    def queries_for(self, name: str | dns.name.Name,
                    rdtype: str | int | None = None) -> list[ReceivedQuery]:
        """The recorded queries for `name` (and `rdtype`, if given)."""
        name, rdtype = _as_name(name), _as_type(rdtype)
        return [q for q in list(self.queries)
                if q.name == name and (rdtype is None or q.rdtype == rdtype)]

    def reset(self) -> None:
        """Forget all rules and recorded queries."""
        self.rules.clear()
        self.queries.clear()

    # -- lifecycle ---------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def address(self) -> Endpoint:
        return (self._host, self._port)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        for _ in range(20):
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(self._host, self._requested_port))
            self._port = self._udp.get_extra_info("sockname")[1]
            tcp = socket.socket(family, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((self._host, self._port))
                break
            except OSError:
                # The TCP twin of an ephemeral UDP port is taken: pick another.
                tcp.close()
                self._udp.close()
                if self._requested_port:
                    raise
        else:
            raise OSError(f"no port free for both UDP and TCP on {self._host}")
        if self._tcp_mode == "refuse":
            # Bound but never listening: the kernel answers SYNs with RST.
            self._tcp_refusing = tcp
        else:
            tcp.listen(16)
            self._tcp_server = await asyncio.start_server(self._serve_tcp, sock=tcp)
        self._spoof_socket = socket.socket(family, socket.SOCK_DGRAM)
        self._spoof_socket.bind((self._host, 0))
        self._spoof_socket.setblocking(False)
        log.debug("fake DNS server on %s port %d", self._host, self._port)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._udp is not None:
            self._udp.close()
        for writer in list(self._writers):
            writer.close()
        if self._tcp_server is not None:
            self._tcp_server.close()
            await self._tcp_server.wait_closed()
        for sock in (self._tcp_refusing, self._spoof_socket):
            if sock is not None:
                sock.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, *args, **kwargs) -> Iterator[FakeDnsServer]:
        """Run a server in a background thread with its own event loop.

        Scripting it from the test's thread is fine: rules are plain data that
        the server reads when a query arrives.

        >>> import dns.query
        >>> with FakeDnsServer.in_thread() as fake:
        ...     _ = fake.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.5")
        ...     query = dns.message.make_query("www.example.", "A")
        ...     reply = dns.query.udp(query, fake.host, port=fake.port, timeout=2)
        >>> reply.answer[0].to_text()
        'www.example. 300 IN A 127.0.0.5'
        >>> [(str(q.name), q.transport) for q in fake.queries]
        [('www.example.', 'udp')]
        """
        server = cls(*args, **kwargs)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="fake-dns", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=5)
            yield server
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=5)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()

    # -- answering ---------------------------------------------------------

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _record(self, wire: bytes, src: Endpoint, transport: str) -> ReceivedQuery:
        try:
            message = dns.message.from_wire(wire)
        except (dns.exception.DNSException, ValueError):  # recorded, then ignored
            message = None
        received = ReceivedQuery(transport, wire, src, message)
        self.queries.append(received)
        return received

    def _rule_for(self, query: dns.message.Message) -> Rule | None:
        question = query.question[0]
        candidates = [r for r in list(self.rules) if r.matches(question.name, question.rdtype)]
        if not candidates:
            return None
        # max() keeps the first of equals, so search newest first: latest wins.
        return max(reversed(candidates), key=lambda rule: rule.specificity)

    def _reply(self, query: dns.message.Message, rule: Rule | None) -> dns.message.Message | None:
        if rule is not None and rule.handler is not None:
            return rule.handler(query)
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.RA
        if rule is None:
            reply.set_rcode(self.default_rcode)
            return reply
        if rule.aa:
            reply.flags |= dns.flags.AA
        reply.set_rcode(rule.rcode)
        reply.answer = [rrset.copy() for rrset in rule.answer]
        reply.authority = [rrset.copy() for rrset in rule.authority]
        reply.additional = [rrset.copy() for rrset in rule.additional]
        return reply

    def _prepare(self, wire: bytes, src: Endpoint, transport: str):
        """Record the query; return (query, rule), or None if it gets no answer."""
        received = self._record(wire, src, transport)
        query = received.message
        # Like a real server: drop replies (QR=1) and say nothing to junk.
        if query is None or query.flags & dns.flags.QR or len(query.question) != 1:
            return None
        return query, self._rule_for(query)

    async def _answer_udp(self, wire: bytes, src: Endpoint) -> None:
        prepared = self._prepare(wire, src, "udp")
        if prepared is None:
            return
        query, rule = prepared
        reply = self._reply(query, rule)
        # The forgeries win the race: they leave before the (maybe delayed) reply.
        for kind in rule.spoof if rule else ():
            self._send_spoof(kind, query, reply, src)
        if rule is not None and rule.delay:
            await asyncio.sleep(rule.delay)
        if reply is None or (rule is not None and rule.take_drop()):
            return
        if rule is not None and rule.truncate:
            reply.flags |= dns.flags.TC
            reply.answer, reply.authority, reply.additional = [], [], []
        self._udp.sendto(_wire(reply), src)

    def _send_spoof(self, kind: str, query: dns.message.Message,
                    reply: dns.message.Message | None, src: Endpoint) -> None:
        if kind == "garbage":
            # Right ID and QR=1, claims one question, then breaks off mid-name.
            garbage = struct.pack("!HHHHHH", query.id, 0x8180, 1, 0, 0, 0) + b"\x07garb"
            self._udp.sendto(garbage, src)
            return
        if kind == "source":
            if reply is not None:
                self._spoof_socket.sendto(_wire(reply), src)
            return
        forged_query = dns.message.make_query(
            SPOOFED_QNAME if kind == "question" else query.question[0].name,
            query.question[0].rdtype)
        forged = dns.message.make_response(forged_query)
        forged.id = (query.id + 1) & 0xFFFF if kind == "id" else query.id
        forged.flags |= dns.flags.RA
        qname, qtype = forged.question[0].name, forged.question[0].rdtype
        if qtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            poison = POISON_A if qtype == dns.rdatatype.A else POISON_AAAA
            forged.answer = [dns.rrset.from_text(qname, 300, "IN", qtype, poison)]
        else:
            forged.set_rcode(dns.rcode.NXDOMAIN)
        self._udp.sendto(forged.to_wire(), src)

    async def _serve_tcp(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        self._tasks.add(task)
        src = writer.get_extra_info("peername")[:2]
        try:
            while True:
                try:
                    # RFC 1035 s4.2.2: each message is preceded by a 2-byte length.
                    (length,) = struct.unpack("!H", await reader.readexactly(2))
                    wire = await reader.readexactly(length)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                prepared = self._prepare(wire, src, "tcp")
                if prepared is None:
                    continue
                query, rule = prepared
                if rule is not None and rule.tcp_close:
                    return
                if rule is not None and rule.delay:
                    await asyncio.sleep(rule.delay)
                reply = self._reply(query, rule)
                if reply is None or (rule is not None and rule.take_drop()):
                    continue
                out = _wire(reply)
                writer.write(struct.pack("!H", len(out)) + out)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()


def _wire(reply: dns.message.Message) -> bytes:
    # dnspython shuffles the records of an RRset when rendering; a test wants
    # them in the order it scripted them. And it would hold the reply to the
    # query's EDNS payload; the fake sends what the test scripted, at any size.
    return reply.to_wire(want_shuffle=False, max_size=65535)


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: FakeDnsServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr) -> None:
        # One task per packet, so a delayed answer does not hold up the others.
        self.server._spawn(self.server._answer_udp(data, addr[:2]))
