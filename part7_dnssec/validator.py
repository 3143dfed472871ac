"""The validating processor: every answer proven up to a trust anchor, or refused.

It sits between the cache and whatever asks the world (part 3's forwarder
today, part 8's iterative resolver later): any processor will do. For each
question it asks with DO=1 (send me the signatures) and CD=1 (let me judge:
RFC 6840 s5.9), then gives one of RFC 4035's verdicts (s4.3):

- secure: every RRset is signed by a key that a chain of DS and DNSKEY
  records leads to from the trust anchor; AD=1 for a client that set DO or AD;
- insecure: a signed parent proved that the zone has no DS (an unsigned
  delegation), or no anchor covers the name: the answer, without AD;
- bogus: anything else: SERVFAIL with an Extended DNS Error (RFC 8914) and
  one log line naming the RRset and why.

A client that sets CD=1 gets the answer unvalidated (RFC 4035 s3.2.2).

The keys: for a zone Z, the chain walks down from the anchor one label at a
time, asking for the DS of each name. A DS signed by the zone above means a
cut with a signed child: fetch the child's DNSKEY and keep the keys the DS
vouches for. An NSEC proving "no DS here, but NS" is an unsigned delegation:
insecure below. Anything else (no cut there) keeps the zone we are in. Each
step is remembered for its TTL (a failure for `failure_ttl`, RFC 9520), so
a second name in the same zone costs no key lookups at all.

NSEC3 proofs (RFC 5155) are not implemented: a denial proven only by NSEC3
records is "indeterminate" and answered without AD, like an insecure one.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataset
import dns.rdatatype
import dns.rrset
from dns.rdatatype import CNAME, DNAME, DNSKEY, DS, NS, NSEC, NSEC3, RRSIG, SOA

from part2_server import Endpoint, Processor, reply_with_rcode

from . import proofs
from .anchor import Anchors
from .proofs import Bogus

logger = logging.getLogger(__name__)

ME: Endpoint = ("127.0.0.1", 0)  # the "client" of the validator's own questions
FAILURE_TTL = 5   # RFC 9520 s3.2: remember a failure at least 1 s, at most 5 min
DNSSEC_TYPES = (RRSIG, NSEC, NSEC3)
MAX_CNAMES = 8    # hops followed for a chain that leaves its zone
MAX_STEPS = 10_000   # steps of the walk remembered: bounded memory, like the cache


class Security(enum.Enum):
    SECURE = "secure"
    INSECURE = "insecure"
    INDETERMINATE = "indeterminate"   # NSEC3 only: we cannot tell; no AD


@dataclass(frozen=True)
class Zone:
    """Where a name stands: the deepest zone above it we know, and its keys."""

    name: dns.name.Name
    keys: dns.rdataset.Rdataset | None   # None: insecure (no keys to check)

    @property
    def secure(self) -> bool:
        return self.keys is not None


# --8<-- [start:processor]
class Validator:
    """A processor that validates what `inner` answers."""

    def __init__(self, inner: Processor, anchors: Anchors, *,
                 failure_ttl: float = FAILURE_TTL,
                 clock: Callable[[], float] = time.time) -> None:
        self.inner = inner
        self.anchors = anchors
        self.failure_ttl = failure_ttl
        self.clock = clock   # wall-clock time: signatures carry dates
        # name -> (valid until, what the walk learned there): a Zone, or Bogus
        self._steps: dict[dns.name.Name, tuple[float, Zone | Bogus | None]] = {}

    def __str__(self) -> str:   # for the start-up log line
        anchors = ", ".join(map(str, self.anchors))
        return f"validating up to the trust anchor for {anchors}, {self.inner}"

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        if query.flags & dns.flags.CD:   # the client validates: hand it all
            return await self.inner(query, src=src, dst=dst)
        question = query.question[0]
        answer = await self.ask(question.name, question.rdtype, src=src, dst=dst)
        if answer is None:
            return None
        await self.follow_cnames(question.rdtype, answer)
        if answer.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            return _for_client(query, answer, Security.INSECURE)
        try:
            security = await self.judge(question.name, question.rdtype, answer)
        except Bogus as bogus:
            logger.warning("bogus answer for %s %s: %s (EDE %d)", question.name,
                           dns.rdatatype.to_text(question.rdtype), bogus.why, bogus.code)
            return _servfail(query, bogus)
        return _for_client(query, answer, security)
# --8<-- [end:processor]

    async def ask(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, *,
                  src: Endpoint = ME, dst: Endpoint = ME) -> dns.message.Message | None:
        """Ask `inner` with DO=1 and CD=1: every record, signatures included."""
        query = dns.message.make_query(name, rdtype, want_dnssec=True,
                                       flags=dns.flags.RD | dns.flags.CD)
        return await self.inner(query, src=src, dst=dst)

    async def follow_cnames(self, qtype: dns.rdatatype.RdataType,
                            answer: dns.message.Message) -> None:
        """Complete a CNAME chain that leaves the zone that answered: an
        authority stops at its zone's edge, and the proof for the target
        comes from the target's zone (RFC 1034 s4.3.2 step 3a)."""
        for _ in range(MAX_CNAMES):
            if answer.rcode() != dns.rcode.NOERROR or answer.authority or not answer.answer:
                return
            last = [rrset for rrset in answer.answer if rrset.rdtype != RRSIG][-1]
            if last.rdtype != CNAME or qtype in (CNAME, dns.rdatatype.ANY):
                return
            target = last[0].target
            if any(rrset.name == target for rrset in answer.answer):
                return   # a loop
            more = await self.ask(target, qtype)
            if more is None:
                return
            answer.set_rcode(more.rcode())
            answer.answer += more.answer
            answer.authority = more.authority

    # --8<-- [start:judge]
    async def judge(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType,
                    answer: dns.message.Message) -> Security:
        """The verdict on a whole answer: each RRset of the answer section
        (a CNAME chain: one per hop), then the proof of what is missing."""
        verdicts = []
        name = qname
        expanded = []   # names answered from a wildcard: prove the name itself is missing
        rrsets = _rrsets(answer.answer)
        dnames = [rrset.name for rrset, _ in rrsets if rrset.rdtype == DNAME]
        for rrset, rrsigs in rrsets:
            if rrset.rdtype == CNAME and rrsigs is None and any(
                    rrset.name.is_subdomain(owner) for owner in dnames):
                # RFC 6672 s5.3.1: a CNAME made from a DNAME is unsigned; the
                # DNAME's signature vouches for it.
                name = rrset[0].target if rrset.name == name else name
                continue
            security = await self.check(rrset, rrsigs)
            verdicts.append(security)
            if security is Security.SECURE and proofs.expanded_from_wildcard(rrset, rrsigs):
                expanded.append(rrset.name)
            if rrset.rdtype == CNAME and rrset.name == name and qtype != CNAME:
                name = rrset[0].target
        answered = any(rrset.name == name and qtype in (rrset.rdtype, dns.rdatatype.ANY)
                       for rrset in answer.answer)
        if expanded or not answered:
            verdicts.append(await self.check_denial(name, qtype, answer, expanded, answered))
        if Security.INDETERMINATE in verdicts:
            return Security.INDETERMINATE
        if Security.INSECURE in verdicts:
            return Security.INSECURE
        return Security.SECURE
    # --8<-- [end:judge]

    async def check(self, rrset: dns.rrset.RRset, rrsigs: dns.rrset.RRset | None
                    ) -> Security:
        """One RRset: find its zone's keys (from the RRSIG's signer, or by
        walking down to its owner), then check a signature."""
        signer = rrsigs[0].signer if rrsigs else None
        if signer is not None and not rrset.name.is_subdomain(signer):
            raise Bogus(proofs.DNSSEC_BOGUS, f"{proofs.describe(rrset)}: signed by "
                        f"{signer}, which is not above it")
        zone = await self.zone_of(signer or rrset.name)
        if signer is not None and zone.secure and zone.name != signer:
            raise Bogus(proofs.DNSSEC_BOGUS, f"{proofs.describe(rrset)}: signed by {signer}, "
                        f"but the zone there is {zone.name}")
        if not zone.secure:
            return Security.INSECURE
        proofs.verify(rrset, rrsigs, zone.name, zone.keys, self.clock())
        return Security.SECURE

    # --8<-- [start:denial]
    async def check_denial(self, name: dns.name.Name, qtype: dns.rdatatype.RdataType,
                           answer: dns.message.Message, expanded: list[dns.name.Name],
                           answered: bool) -> Security:
        """The authority section proves NXDOMAIN, NODATA, or that no closer
        name than a wildcard existed (RFC 4035 s5.4, s5.3.4)."""
        signed = _rrsets(answer.authority)
        nsecs, checked = [], False
        for rrset, rrsigs in signed:
            if rrset.rdtype not in (NSEC, SOA):
                continue
            security = await self.check(rrset, rrsigs)
            if security is not Security.SECURE:
                return security
            checked = True
            if rrset.rdtype == NSEC:
                nsecs.append(rrset)
        if not checked:   # no NSEC, no SOA: is the name in a signed zone at all?
            zone = await self.zone_of(name)
            if not zone.secure:
                return Security.INSECURE
            if any(rrset.rdtype == NSEC3 for rrset, _ in signed):
                return Security.INDETERMINATE
            what = "answered from a wildcard" if answered else "a negative answer"
            raise Bogus(proofs.NSEC_MISSING, f"{name}: {what} from the signed zone "
                        f"{zone.name}, without a signed proof")
        if not nsecs and any(rrset.rdtype == NSEC3 for rrset, _ in signed):
            return Security.INDETERMINATE
        for missing in expanded:
            if not any(proofs.covers(nsec.name, nsec[0], missing) for nsec in nsecs):
                raise Bogus(proofs.NSEC_MISSING, f"{missing}: answered from a wildcard, "
                            "but no NSEC proves the name itself is missing")
        if answered:
            return Security.SECURE
        if answer.rcode() == dns.rcode.NXDOMAIN:
            proofs.prove_nxdomain(name, nsecs)
        else:
            proofs.prove_nodata(name, qtype, nsecs)
        return Security.SECURE
    # --8<-- [end:denial]

    # --8<-- [start:zone_of]
    async def zone_of(self, name: dns.name.Name) -> Zone:
        """The zone `name` is in, with its validated keys, or insecure."""
        anchor = next((a for a in _self_and_ancestors(name) if a in self.anchors), None)
        if anchor is None:
            return Zone(name, None)   # no anchor above: nothing to check against
        zone = await self._step(anchor, None)
        below = name.relativize(anchor).labels if name != anchor else ()
        for depth in range(len(below) - 1, -1, -1):
            if not zone.secure:
                break
            child = dns.name.Name(below[depth:] + anchor.labels)
            step = await self._step(child, zone)
            if step is None:   # no such name: nothing below it either
                break
            zone = step
        return zone
    # --8<-- [end:zone_of]

    async def _step(self, name: dns.name.Name, parent: Zone | None) -> Zone | None:
        """What the walk learns at `name`, remembered: a Zone (a new one at a
        cut, else `parent`), None when the name does not exist, or Bogus."""
        now = time.monotonic()
        remembered = self._steps.get(name)
        if remembered is not None and now < remembered[0]:
            learned = remembered[1]
        else:
            try:
                learned, ttl = await self._learn(name, parent)
            except Bogus as bogus:
                learned, ttl = bogus, self.failure_ttl
            if len(self._steps) >= MAX_STEPS:
                self._steps.clear()   # rare: start over rather than grow without end
            self._steps[name] = (now + ttl, learned)
        if isinstance(learned, Bogus):
            raise learned
        if learned is not None and learned.name != name:
            return parent   # not a cut: we are still in the parent's zone
        return learned

    # --8<-- [start:learn]
    async def _learn(self, name: dns.name.Name, parent: Zone | None
                     ) -> tuple[Zone | None, float]:
        if parent is None:   # a trust anchor
            return await self._keys(name, self.anchors[name])
        reply = await self._ask_or_fail(name, DS)
        answer = _rrsets(reply.answer)
        ds = next(((rrset, sigs) for rrset, sigs in answer if rrset.rdtype == DS
                   and rrset.name == name), None)
        if ds is not None:   # a cut, and the parent vouches for the child's keys
            proofs.verify(ds[0], ds[1], parent.name, parent.keys, self.clock())
            zone, ttl = await self._keys(name, ds[0])
            return zone, min(ttl, ds[0].ttl)
        if any(rrset.rdtype == CNAME for rrset, _ in answer):
            return parent, _ttl(reply)   # a CNAME owner is never a cut
        authority = _rrsets(reply.authority)
        nsecs = []
        for rrset, sigs in authority:
            if rrset.rdtype == NSEC:
                proofs.verify(rrset, sigs, parent.name, parent.keys, self.clock())
                nsecs.append(rrset)
        if not nsecs:
            if any(rrset.rdtype == NSEC3 for rrset, _ in authority):
                return Zone(name, None), _ttl(reply)   # indeterminate: insecure
            raise Bogus(proofs.NSEC_MISSING, f"{name} DS: no signed proof that it is missing")
        if reply.rcode() == dns.rcode.NXDOMAIN:
            proofs.prove_nxdomain(name, nsecs)
            return None, _ttl(reply)
        proofs.prove_nodata(name, DS, nsecs)
        own = next((rrset for rrset in nsecs if rrset.name == name), None)
        if own is not None and NS in proofs.types_in(own[0]):
            return Zone(name, None), _ttl(reply)   # RFC 4035 s5.2: an unsigned delegation
        return parent, _ttl(reply)                 # no cut here
    # --8<-- [end:learn]

    async def _keys(self, name: dns.name.Name, trusted: dns.rdataset.Rdataset
                    ) -> tuple[Zone, float]:
        """Fetch `name`'s DNSKEYs and keep them if `trusted` (DS or anchor) vouches for one
        that signed them."""
        if not proofs.supported(trusted):
            return Zone(name, None), trusted.ttl or self.failure_ttl
        reply = await self._ask_or_fail(name, DNSKEY)
        found = next(((rrset, sigs) for rrset, sigs in _rrsets(reply.answer)
                      if rrset.rdtype == DNSKEY and rrset.name == name), None)
        if found is None:
            raise Bogus(proofs.DNSKEY_MISSING, f"{name} DNSKEY: none published")
        dnskeys, sigs = found
        vouched = proofs.keys_matching(name, dnskeys, trusted)
        if not vouched:
            raise Bogus(proofs.DNSKEY_MISSING, f"{name} DNSKEY: no key matches the DS "
                        "that the parent publishes")
        trusted_keys = dns.rdataset.from_rdata_list(dnskeys.ttl, vouched)
        proofs.verify(dnskeys, sigs, name, trusted_keys, self.clock())
        return Zone(name, dnskeys), dnskeys.ttl

    async def _ask_or_fail(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
                           ) -> dns.message.Message:
        reply = await self.ask(name, rdtype)
        if reply is None or reply.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            said = "nothing" if reply is None else dns.rcode.to_text(reply.rcode())
            raise Bogus(proofs.DNSSEC_BOGUS if rdtype == DS else proofs.DNSKEY_MISSING,
                        f"{name} {dns.rdatatype.to_text(rdtype)}: could not be fetched "
                        f"({said})")
        return reply


def _rrsets(section: list[dns.rrset.RRset]
            ) -> list[tuple[dns.rrset.RRset, dns.rrset.RRset | None]]:
    """Each RRset of a section (RRSIGs aside) with the RRSIGs that cover it."""
    signatures = {(rrset.name, rrset.covers): rrset for rrset in section
                  if rrset.rdtype == RRSIG}
    return [(rrset, signatures.get((rrset.name, rrset.rdtype))) for rrset in section
            if rrset.rdtype != RRSIG]


def _self_and_ancestors(name: dns.name.Name):
    while True:
        yield name
        if name == dns.name.root:
            return
        name = name.parent()


def _ttl(reply: dns.message.Message) -> float:
    ttls = [rrset.ttl for rrset in reply.answer + reply.authority]
    return min(ttls, default=FAILURE_TTL)


# --8<-- [start:client]
def _for_client(query: dns.message.Message, answer: dns.message.Message,
                security: Security) -> dns.message.Message:
    """The reply for the client: AD=1 when secure and it asked (DO or AD,
    RFC 6840 s5.7); DNSSEC records only when it set DO (RFC 4035 s3.2.1)."""
    reply = dns.message.make_response(query)
    reply.set_rcode(answer.rcode())
    reply.flags |= answer.flags & dns.flags.RA
    dnssec_ok = query.edns >= 0 and bool(query.ednsflags & dns.flags.DO)
    asked = query.question[0].rdtype
    for mine, theirs in ((reply.answer, answer.answer), (reply.authority, answer.authority),
                         (reply.additional, answer.additional)):
        mine.extend(rrset for rrset in theirs
                    if dnssec_ok or rrset.rdtype not in DNSSEC_TYPES or rrset.rdtype == asked)
    if security is Security.SECURE and (dnssec_ok or query.flags & dns.flags.AD):
        reply.flags |= dns.flags.AD
    return reply


def _servfail(query: dns.message.Message, bogus: Bogus) -> dns.message.Message:
    """SERVFAIL, with the reason as an Extended DNS Error (RFC 8914)."""
    reply = reply_with_rcode(query, dns.rcode.SERVFAIL)
    reply.use_edns(0, options=[dns.edns.EDEOption(bogus.code, bogus.why)])
    return reply
# --8<-- [end:client]
