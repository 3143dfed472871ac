"""Print a reply the way dig does, so the two can be read side by side."""

from __future__ import annotations

import datetime

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from .transport import ExchangeResult

# dig's order for the ";; flags:" line.
FLAG_ORDER = (dns.flags.QR, dns.flags.AA, dns.flags.TC, dns.flags.RD, dns.flags.RA,
              dns.flags.AD, dns.flags.CD)

# dig (BIND's master-file style) starts the TTL, class, type and rdata
# columns at these positions, reached with 8-wide tabs.
TTL_COLUMN, CLASS_COLUMN, TYPE_COLUMN, RDATA_COLUMN = 24, 32, 40, 48
TAB = 8


def _pad_to(line: str, column: int) -> str:
    """Tabs up to `column`, or a single space when the text already reaches it."""
    width = len(line.expandtabs(TAB))
    if width >= column:
        return line + " "
    while width < column:
        line += "\t"
        width = (width // TAB + 1) * TAB
    return line


# --8<-- [start:record_lines]
def record_lines(rrset: dns.rrset.RRset) -> list[str]:
    """One dig-style line per record: owner, TTL, class, type, rdata."""
    lines = []
    for rdata in rrset:
        line = _pad_to(rrset.name.to_text(), TTL_COLUMN) + str(rrset.ttl)
        line = _pad_to(line, CLASS_COLUMN) + dns.rdataclass.to_text(rrset.rdclass)
        line = _pad_to(line, TYPE_COLUMN) + dns.rdatatype.to_text(rrset.rdtype)
        lines.append(_pad_to(line, RDATA_COLUMN) + rdata.to_text())
    return lines
# --8<-- [end:record_lines]


def question_line(rrset: dns.rrset.RRset) -> str:
    """The question as dig shows it: a comment, with no TTL column."""
    line = _pad_to(";" + rrset.name.to_text(), CLASS_COLUMN)
    line += dns.rdataclass.to_text(rrset.rdclass)
    return _pad_to(line, TYPE_COLUMN) + dns.rdatatype.to_text(rrset.rdtype)


def flags_text(flags: int) -> str:
    """The header flags that are set, lower case, in dig's order."""
    return " ".join(dns.flags.to_text(flag).lower() for flag in FLAG_ORDER if flags & flag)


def header_lines(reply: dns.message.Message) -> list[str]:
    counts = ", ".join(
        f"{title}: {reply.section_count(section)}"
        for title, section in zip(("QUERY", "ANSWER", "AUTHORITY", "ADDITIONAL"),
                                  dns.message.MessageSection, strict=True))
    opcode, status = dns.opcode.to_text(reply.opcode()), dns.rcode.to_text(reply.rcode())
    lines = [
        f";; ->>HEADER<<- opcode: {opcode}, status: {status}, id: {reply.id}",
        f";; flags: {flags_text(reply.flags)}; {counts}",
    ]
    if reply.flags & dns.flags.RD and not reply.flags & dns.flags.RA:
        lines.append(";; WARNING: recursion requested but not available")
    return lines


def edns_lines(reply: dns.message.Message) -> list[str]:
    """The OPT record (RFC 6891): a pseudo-record, so dig shows it apart."""
    if reply.edns < 0:
        return []
    edns_flags = " do" if reply.ednsflags & dns.flags.DO else ""
    lines = [";; OPT PSEUDOSECTION:",
             f"; EDNS: version: {reply.edns}, flags:{edns_flags}; udp: {reply.payload}"]
    lines += [f"; {option.to_text()}" for option in reply.options]
    return lines


# --8<-- [start:format_reply]
def format_reply(result: ExchangeResult, *, when: datetime.datetime | None = None) -> str:
    """The full dig-like report of one exchange."""
    reply = result.reply
    lines = [*header_lines(reply), ""]
    lines += edns_lines(reply)
    if reply.question:
        lines.append(";; QUESTION SECTION:")
        lines += [question_line(rrset) for rrset in reply.question]
    for title, section in (("ANSWER", reply.answer), ("AUTHORITY", reply.authority),
                           ("ADDITIONAL", reply.additional)):
        if section:
            lines += ["", f";; {title} SECTION:"]
            lines += [line for rrset in section for line in record_lines(rrset)]
    when = when or datetime.datetime.now().astimezone()
    lines += [
        "",
        f";; Query time: {round(result.elapsed * 1000)} msec",
        f";; SERVER: {result.server}#{result.port}({result.server}) ({result.transport})",
        f";; WHEN: {when.strftime('%a %b %d %H:%M:%S %Z %Y')}",
        f";; MSG SIZE  rcvd: {len(reply.wire or reply.to_wire())}",
        "",
    ]
    return "\n".join(lines) + "\n"
# --8<-- [end:format_reply]


def format_short(reply: dns.message.Message) -> str:
    """Like dig +short: the rdata of each answer record, one per line.

    The whole answer section is printed, so a CNAME chain shows its targets
    before the addresses, as dig does.
    """
    return "".join(f"{rdata.to_text()}\n" for rrset in reply.answer for rdata in rrset)
