"""The dig-like text: same columns, same sections, same short form as dig."""

import datetime

import dns.flags
import dns.message
import dns.rrset
from dnstest.fake_server import parse_rrs

from part1_client.output import (
    flags_text,
    format_reply,
    format_short,
    question_line,
    record_lines,
)
from part1_client.transport import ExchangeResult

# Lines copied from dig 9.18's output for the same records.
DIG_LINES = [
    "alias.compare.test.\t3600\tIN\tCNAME\tmiddle.compare.test.",
    "compare.test.\t\t3600\tIN\tMX\t10 mail.compare.test.",
    "backup-mail.compare.test. 3600\tIN\tA\t127.0.0.26",
    'words.compare.test.\t3600\tIN\tTXT\t"hello world" "second string"',
    ("compare.test.\t\t300\tIN\tSOA\tns1.compare.test. hostmaster.compare.test. "
    "2024060101 7200 900 1209600 300"),
]


def test_record_lines_match_dig_columns():
    for line in DIG_LINES:
        rrset = parse_rrs([line])[0]
        assert record_lines(rrset) == [line]


def test_question_line_matches_dig():
    query = dns.message.make_query("alias.compare.test.", "A")
    assert question_line(query.question[0]) == ";alias.compare.test.\t\tIN\tA"
    query = dns.message.make_query("compare.test.", "MX")
    assert question_line(query.question[0]) == ";compare.test.\t\t\tIN\tMX"


def test_flags_in_dig_order():
    assert flags_text(dns.flags.QR | dns.flags.RD | dns.flags.RA | dns.flags.AA) == "qr aa rd ra"
    assert flags_text(0) == ""


def exchange_result(reply, transport="UDP", truncated=None):
    query = dns.message.make_query(reply.question[0].name, reply.question[0].rdtype)
    parsed = dns.message.from_wire(reply.to_wire())
    return ExchangeResult(query, parsed, "127.0.0.1", 8053, transport, 0.0123, truncated)


def sample_reply():
    query = dns.message.make_query("alias.compare.test.", "A", use_edns=0, payload=1232)
    reply = dns.message.make_response(query)
    reply.id = 4242
    reply.use_edns(0, 0, 1232)
    reply.flags |= dns.flags.AA
    reply.answer = parse_rrs(["alias.compare.test. 3600 IN CNAME www.compare.test.",
                              "www.compare.test. 300 IN A 127.0.0.80"])
    reply.authority = parse_rrs(["compare.test. 3600 IN NS ns1.compare.test."])
    return reply


def test_format_reply_is_laid_out_like_dig():
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    text = format_reply(exchange_result(sample_reply()), when=when)
    assert text == (
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4242\n"
        ";; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 1, ADDITIONAL: 1\n"
        ";; WARNING: recursion requested but not available\n"
        "\n"
        ";; OPT PSEUDOSECTION:\n"
        "; EDNS: version: 0, flags:; udp: 1232\n"
        ";; QUESTION SECTION:\n"
        ";alias.compare.test.\t\tIN\tA\n"
        "\n"
        ";; ANSWER SECTION:\n"
        "alias.compare.test.\t3600\tIN\tCNAME\twww.compare.test.\n"
        "www.compare.test.\t300\tIN\tA\t127.0.0.80\n"
        "\n"
        ";; AUTHORITY SECTION:\n"
        "compare.test.\t\t3600\tIN\tNS\tns1.compare.test.\n"
        "\n"
        ";; Query time: 12 msec\n"
        ";; SERVER: 127.0.0.1#8053(127.0.0.1) (UDP)\n"
        ";; WHEN: Fri Jan 02 03:04:05 UTC 2026\n"
        f";; MSG SIZE  rcvd: {len(sample_reply().to_wire())}\n"
        "\n"
    )


def test_format_reply_without_edns_and_with_nxdomain_over_tcp():
    query = dns.message.make_query("nope.compare.test.", "A", use_edns=False)
    reply = dns.message.make_response(query)
    reply.set_rcode(dns.rcode.NXDOMAIN)
    reply.flags |= dns.flags.RA
    text = format_reply(exchange_result(reply, transport="TCP"))
    assert "status: NXDOMAIN" in text
    assert "OPT PSEUDOSECTION" not in text
    assert "WARNING" not in text
    assert "ANSWER SECTION" not in text
    assert "(TCP)" in text


def test_edns_do_flag_and_options_are_shown():
    query = dns.message.make_query("compare.test.", "A", want_dnssec=True)
    reply = dns.message.make_response(query)
    reply.use_edns(0, dns.flags.DO, 1232, options=[dns.edns.EDEOption(18, "go away")])
    text = format_reply(exchange_result(reply))
    assert "; EDNS: version: 0, flags: do; udp: 1232\n" in text
    assert "; EDE 18 (Prohibited): go away\n" in text


def test_short_prints_every_answer_rdata_like_dig():
    assert format_short(sample_reply()) == "www.compare.test.\n127.0.0.80\n"
    empty = dns.message.make_response(dns.message.make_query("x.", "A"))
    assert format_short(empty) == ""
