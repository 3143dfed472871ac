"""Grading: part 1, exercise 1 (exercises/part1/ttls.py)."""

import dns.message
import pytest

from part1_client import resolve


@pytest.fixture
def ttls(exercise):
    return exercise("part1/ttls")


def reply_with(answer=(), authority=()):
    query = dns.message.make_query("www.example.test.", "A")
    reply = dns.message.make_response(query)
    for section, lines in ((reply.answer, answer), (reply.authority, authority)):
        for line in lines:
            rrset = dns.rrset.from_text(*line.split(maxsplit=4))
            section.append(rrset)
    return reply


def test_one_line_per_record_with_its_ttl(ttls):
    reply = reply_with(answer=["nas.example.test. 300 IN A 192.0.2.30",
                               "nas.example.test. 300 IN A 192.0.2.31"])
    assert ttls.ttl_lines(reply) == ["nas.example.test. 300 A 192.0.2.30",
                                     "nas.example.test. 300 A 192.0.2.31"]


def test_a_cname_chain_gives_a_line_per_link(ttls, fake_upstream_thread):
    fake_upstream_thread.answer("www.example.test.", "A",
                                "www.example.test. 3600 IN CNAME example.test.",
                                "example.test. 120 IN A 192.0.2.10")
    reply = resolve("www.example.test.", server=fake_upstream_thread.host,
                    port=fake_upstream_thread.port)
    assert ttls.ttl_lines(reply) == ["www.example.test. 3600 CNAME example.test.",
                                     "example.test. 120 A 192.0.2.10"]


def test_an_empty_answer_prints_nothing(ttls):
    reply = reply_with(authority=["example.test. 300 IN SOA ns1 hostmaster 1 7200 900 1209600 300"])
    assert ttls.ttl_lines(reply) == []


def test_the_shortest_ttl_decides_how_long_a_reply_keeps(ttls):
    reply = reply_with(answer=["www.example.test. 3600 IN CNAME example.test.",
                               "example.test. 120 IN A 192.0.2.10"])
    assert ttls.shortest_ttl(reply) == 120


def test_a_negative_answer_keeps_as_long_as_its_soa(ttls):
    reply = reply_with(authority=["example.test. 300 IN SOA ns1 hostmaster 1 7200 900 1209600 300"])
    assert ttls.shortest_ttl(reply) == 300


def test_nothing_to_keep_without_records(ttls):
    assert ttls.shortest_ttl(reply_with()) is None


def test_the_script_prints_the_lines(ttls, fake_upstream_thread, capsys):
    fake_upstream_thread.records("printer.example.test. 42 IN A 192.0.2.31")
    assert ttls.main(["printer.example.test", "--server", fake_upstream_thread.host,
                      "--port", str(fake_upstream_thread.port)]) == 0
    printed = capsys.readouterr().out
    assert "printer.example.test. 42 A 192.0.2.31" in printed
    assert "42 seconds" in printed
