"""The ten checks of the report card, each a short async function.

Every check asks without EDNS unless EDNS is what it tests: a gateway that
chokes on OPT should fail the EDNS check, not all ten.
"""

from __future__ import annotations

import asyncio
import time

import dns.flags
import dns.name
import dns.rcode
import dns.rdatatype

from part1_client.sizes import MIN_UDP_PAYLOAD

from .asking import Exchange, mixed_case
from .card import NEEDS_THE_LAB, Context, Result, check, failed, passed, warned, whoami_facts
from .spread import spread_grade

NXDOMAIN_NAMES = 5
SHORT_TTL = 2  # seconds: the TTL check waits a little longer than this
RANDOMNESS_QUERIES = 30  # "a few dozen", as DNS-OARC's port test sent
UNKNOWN_TYPE = 65400  # private use (RFC 6895 s3.1): no software knows it


def outcome(exchange: Exchange) -> str:
    """What came back, in a word or three: "NXDOMAIN", "timed out", ..."""
    if exchange.reply is None:
        return exchange.error or "no answer"
    return dns.rcode.to_text(exchange.reply.rcode())


# --8<-- [start:nxdomain]
@check(1, "nxdomain", "NXDOMAIN honesty")
async def nxdomain_honesty(context: Context) -> Result:
    """Names that cannot exist must come back NXDOMAIN, with nothing in the answer."""
    names = [context.random_name() for _ in range(NXDOMAIN_NAMES)]
    exchanges = await asyncio.gather(*(context.udp(name) for name in names))
    for name, exchange in zip(names, exchanges, strict=True):
        if exchange.answered and exchange.reply.answer:
            rewritten = exchange.reply.answer[0][0].to_text()
            return failed(f"{name} -> {outcome(exchange)} {rewritten}: rewritten")
        if not exchange.answered or exchange.reply.rcode() != dns.rcode.NXDOMAIN:
            return failed(f"{name} -> {outcome(exchange)}, not NXDOMAIN")
    return passed(f"{len(names)} of {len(names)} random names under "
                  f"{context.nowhere} came back NXDOMAIN, no answers")
# --8<-- [end:nxdomain]


# --8<-- [start:ttl]
@check(2, "ttl", "TTL honesty", needs_lab=True)
async def ttl_honesty(context: Context) -> Result:
    """A name with a 2-second TTL, asked three times across its expiry."""
    if not context.lab:
        return warned(NEEDS_THE_LAB)
    name = dns.name.from_text(f"ttl-{SHORT_TTL}", context.probe_zone)
    ttls, start = [], None
    for wait_until in (0.0, 1.1, SHORT_TTL + 1.2):  # fresh, counted down, fresh again
        if start is not None:  # seconds after the first answer came
            await asyncio.sleep(max(0.0, start + wait_until - time.monotonic()))
        exchange = await context.udp(name)
        start = start or time.monotonic()
        records = exchange.rrsets("A")
        if not records:
            return failed(f"{name} A -> {outcome(exchange)}, no address")
        ttls.append(records[0].ttl)
    seen = " -> ".join(f"{ttl} s" for ttl in ttls)
    if max(ttls) > SHORT_TTL:
        return failed(f"TTL {seen}: above the {SHORT_TTL} s the authority gave", ttls=ttls)
    if ttls[1] > ttls[0]:
        return failed(f"TTL {seen}: went up before it expired", ttls=ttls)
    return passed(f"TTL {seen}: counted down, then a fresh answer", ttls=ttls)
# --8<-- [end:ttl]


# --8<-- [start:edns]
@check(3, "edns", "EDNS0")
async def edns(context: Context) -> Result:
    """OPT in, OPT out; and, through the probe, OPT on the way upstream too."""
    exchange = await context.udp(context.random_name(), edns=True)
    if not exchange.answered:
        return failed(f"a query with OPT -> {outcome(exchange)} (without OPT it answers)")
    if exchange.reply.rcode() == dns.rcode.FORMERR:
        return failed("a query with OPT -> FORMERR")
    if exchange.reply.edns < 0:
        return failed(f"a query with OPT -> {outcome(exchange)} without OPT")
    if not context.lab:
        return warned(f"OPT comes back (payload {exchange.reply.payload}); "
                      f"whether it goes upstream {NEEDS_THE_LAB}")
    probe = await context.udp(context.whoami_name(), "TXT", edns=True)
    facts = whoami_facts(probe)
    if not facts:
        return failed(f"OPT comes back, but the probe, asked with OPT -> {outcome(probe)}")
    if facts.get("edns", "-1") == "-1":
        return failed("OPT comes back, but the query that reached the probe had none")
    return passed(f"OPT comes back (payload {exchange.reply.payload}); upstream: "
                  f"EDNS {facts['edns']}, payload {facts.get('payload', '?')}")
# --8<-- [end:edns]


# --8<-- [start:large]
@check(4, "large", "Large answers", needs_lab=True)
async def large_answers(context: Context) -> Result:
    """An answer over 1,232 bytes: TC=1 over UDP (512 bytes, no EDNS), whole over TCP."""
    if not context.lab:
        return warned(NEEDS_THE_LAB)
    name = dns.name.from_text("big", context.probe_zone)
    udp = await context.udp(name, "TXT")
    if not udp.answered:
        return failed(f"UDP -> {outcome(udp)}")
    if len(udp.wire) > MIN_UDP_PAYLOAD:
        return failed(f"UDP reply of {len(udp.wire)} bytes to a client that takes 512")
    if udp.reply.rcode() != dns.rcode.NOERROR:
        return failed(f"UDP -> {outcome(udp)}, not a truncated answer")
    if not udp.reply.flags & dns.flags.TC:
        return failed(f"UDP: {len(udp.wire)} bytes without TC=1: a cut answer that looks whole")
    tcp = await context.tcp(name, "TXT")
    if not tcp.rrsets("TXT"):
        return failed(f"UDP: TC=1; TCP -> {outcome(tcp)}, no TXT")
    return passed(f"UDP: TC=1 in {len(udp.wire)} bytes; TCP: {len(tcp.wire)} bytes",
                  udp_bytes=len(udp.wire), tcp_bytes=len(tcp.wire))
# --8<-- [end:large]


# --8<-- [start:tcp]
@check(5, "tcp", "TCP")
async def tcp(context: Context) -> Result:
    """A plain question over TCP gets an answer (RFC 7766: TCP is not optional)."""
    exchange = await context.tcp(context.random_name())
    answer = outcome(exchange)
    if answer not in ("NOERROR", "NXDOMAIN"):
        return failed(f"over TCP -> {answer}")
    return passed(f"over TCP -> {answer} in {exchange.elapsed * 1000:.0f} ms")
# --8<-- [end:tcp]


# --8<-- [start:types]
@check(6, "types", "AAAA, TXT, unknown types", needs_lab=True)
async def record_types(context: Context) -> Result:
    """AAAA, TXT and a type nobody knows (RFC 3597) all come back as asked."""
    if not context.lab:
        return warned(NEEDS_THE_LAB)
    asked = [(label, dns.rdatatype.RdataType.make(rdtype))
             for label, rdtype in (("aaaa", "AAAA"), ("txt", "TXT"), ("unknown", UNKNOWN_TYPE))]
    exchanges = await asyncio.gather(*(
        context.udp(dns.name.from_text(label, context.probe_zone), rdtype)
        for label, rdtype in asked))
    missing = [f"{dns.rdatatype.to_text(rdtype)} -> {outcome(exchange)}, no record"
               for (_, rdtype), exchange in zip(asked, exchanges, strict=True)
               if not exchange.rrsets(rdtype)]
    if missing:
        return failed("; ".join(missing))
    return passed("AAAA, TXT and TYPE65400 answered")
# --8<-- [end:types]


# --8<-- [start:case]
@check(7, "case", "Question case (0x20)")
async def question_case(context: Context) -> Result:
    """The question comes back spelled exactly as it was asked."""
    asked = mixed_case(context.random_name().to_text())
    exchange = await context.udp(asked)
    if not exchange.answered:
        return failed(f"{asked} -> {outcome(exchange)}")
    if not exchange.reply.question:
        return failed(f"{asked} -> {outcome(exchange)} without the question")
    returned = exchange.reply.question[0].name.to_text()
    if returned != asked:
        return failed(f"asked {asked}, the reply says {returned}")
    return passed(f"{asked} came back as asked")
# --8<-- [end:case]


# --8<-- [start:dnssec]
@check(8, "dnssec", "DNSSEC passthrough")
async def dnssec(context: Context) -> Result:
    """With DO=1, the root's DNSKEY comes back with its RRSIG; a bogus name is refused."""
    exchange = await context.udp(dns.name.root, "DNSKEY", dnssec=True)
    if not exchange.rrsets("DNSKEY"):
        return warned(f"not tested: the root's DNSKEY -> {outcome(exchange)} "
                      "(an unsigned root, until part 7 signs the lab)")
    if not exchange.rrsets("RRSIG"):
        return failed("DNSKEY without its RRSIG: the signatures were stripped")
    if context.bogus_name is None:
        return passed("DNSKEY and its RRSIG came back with DO=1 "
                      "(validation not tested: no --bogus-name)")
    bogus = await context.udp(context.bogus_name, "A", dnssec=True)
    if bogus.reply is None:
        return warned(f"{context.bogus_name} -> {outcome(bogus)}")
    if bogus.reply.rcode() == dns.rcode.SERVFAIL:
        return passed(f"signatures passed through, and {context.bogus_name} (bogus) "
                      "refused: SERVFAIL")
    # RFC 4035 s3.2.3: AD=1 says "I checked every signature". On bogus data, a lie.
    if bogus.reply.flags & dns.flags.AD:
        return failed(f"{context.bogus_name} (bogus) answered with AD=1: "
                      "it claims to have validated it")
    return warned(f"signatures passed through, but {context.bogus_name} (bogus) -> "
                  f"{outcome(bogus)}: it does not validate")
# --8<-- [end:dnssec]


# --8<-- [start:randomness]
@check(9, "randomness", "Port and ID randomness", needs_lab=True)
async def randomness(context: Context) -> Result:
    """The source ports and IDs of the resolver's own queries, graded like DNS-OARC's."""
    if not context.lab:
        return warned(NEEDS_THE_LAB)
    ports, ids = [], []
    for _ in range(RANDOMNESS_QUERIES):
        facts = whoami_facts(await context.udp(context.whoami_name(), "TXT"))
        if facts.get("port", "").isdigit() and facts.get("id", "").isdigit():
            ports.append(int(facts["port"]))
            ids.append(int(facts["id"]))
    if len(ports) < RANDOMNESS_QUERIES // 2:
        return failed(f"only {len(ports)} of {RANDOMNESS_QUERIES} queries reached the probe")
    port_grade, port_deviation = spread_grade(ports)
    id_grade, id_deviation = spread_grade(ids)
    figures = {"queries": len(ports), "ports": len(set(ports)), "port_grade": port_grade,
               "port_stddev": round(port_deviation), "lowest_port": min(ports),
               "highest_port": max(ports), "ids": len(set(ids)), "id_grade": id_grade,
               "id_stddev": round(id_deviation)}
    evidence = (f"ports {port_grade} ({len(set(ports))} of {len(ports)} distinct, "
                f"{min(ports)}-{max(ports)}, std dev {port_deviation:,.0f}); IDs {id_grade} "
                f"({len(set(ids))} distinct, std dev {id_deviation:,.0f})")
    worst = {port_grade, id_grade}
    if "POOR" in worst:
        return failed(evidence, **figures)
    if "FAIR" in worst:
        return warned(evidence, **figures)
    return passed(evidence, **figures)
# --8<-- [end:randomness]


# --8<-- [start:interception]
@check(10, "interception", "Interception")
async def interception(context: Context) -> Result:
    """A query to an address where no resolver runs must get no answer at all."""
    if context.unused_address is None:
        return warned("not tested: give --unused-address, an address where no resolver runs")
    nowhere = (context.unused_address, context.server[1])
    exchange = await context.udp(context.random_name(), server=nowhere)
    if exchange.answered:
        return failed(f"{nowhere[0]} port {nowhere[1]}, where no resolver runs, "
                      f"answered {outcome(exchange)}: port {nowhere[1]} is intercepted")
    return passed(f"{nowhere[0]} port {nowhere[1]}: {outcome(exchange)}, as it should be")
# --8<-- [end:interception]
