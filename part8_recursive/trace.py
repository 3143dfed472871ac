"""--trace: one name resolved from the root, every query and referral shown.

Like `dig +trace`, but it is the resolver's own walk that is shown, not a
reenactment: the trace listens to the queries `RecursiveResolver` sends
(query-name minimisation, glueless lookups and failovers included).

    ;; . -> 127.0.0.2: test. A
    test.                   86400   IN      NS      ns1.test.
    ;; referral to test., glue for 1 server, from 127.0.0.2 in 0.6 ms
"""

from __future__ import annotations

from typing import TextIO

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from part1_client.output import record_lines

from .bailiwick import Kind
from .iterator import RecursiveResolver, Step


# --8<-- [start:describe]
def describe_step(step: Step) -> list[str]:
    """The lines --trace prints for one query and its reply."""
    zone = step.zone.to_text()
    lines = [f";; {zone} -> {step.server}: {step.qname} {dns.rdatatype.to_text(step.rdtype)}"]
    took = f"from {step.server} in {step.elapsed * 1000:.1f} ms"
    reading = step.reading
    if reading is None:
        return [*lines, f";; no reply {took}: {step.error}", ""]
    for rrset in reading.answer + reading.authority + reading.glue:
        lines += record_lines(rrset)
    if reading.kind is Kind.REFERRAL:
        zone_cut = reading.authority[0].name
        glue = len({rrset.name for rrset in reading.glue})
        glue_text = f"glue for {glue} server{'' if glue == 1 else 's'}" if glue else "no glue"
        lines.append(f";; referral to {zone_cut}, {glue_text}, {took}")
    elif reading.kind is Kind.LAME:
        lines.append(f";; lame: {reading.why}, {took}")
    else:
        lines.append(f";; {reading.kind.value} {took}")
    return [*lines, ""]
# --8<-- [end:describe]


async def trace(resolver: RecursiveResolver, name: str, rdtype: str, out: TextIO) -> int:
    """Resolve `name`/`rdtype` with `resolver`, printing each step; 0 unless SERVFAIL."""
    query = dns.message.make_query(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))
    hints = resolver.hints
    print(f"; {query.question[0].name} {rdtype.upper()}, from the root hints in {hints.path}",
          file=out)
    for server, addresses in hints.addresses.items():
        print(f";   . NS {server} ({', '.join(addresses)})", file=out)
    print(file=out)

    def show(step: Step) -> None:
        print("\n".join(describe_step(step)), file=out)

    resolver.listeners.append(show)
    try:
        reply = await resolver(query, src=("127.0.0.1", 0), dst=("127.0.0.1", 0))
    finally:
        resolver.listeners.remove(show)
    print(f";; the answer: {dns.rcode.to_text(reply.rcode())}, "
          f"{resolver.queries_sent} queries sent", file=out)
    for rrset in reply.answer + reply.authority:
        print("\n".join(record_lines(rrset)), file=out)
    return 1 if reply.rcode() == dns.rcode.SERVFAIL else 0
