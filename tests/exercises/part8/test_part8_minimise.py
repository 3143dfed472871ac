"""Grading: part 8, exercise 2 (exercises/part8/minimise.py)."""

import dns.name
import pytest

N = dns.name.from_text


@pytest.fixture
def minimise(exercise):
    return exercise("part8/minimise")


@pytest.mark.parametrize(("name", "rdtype", "asked", "expected"), [
    ("www.example.test.", "AAAA", ".", ("test.", "A")),
    ("www.example.test.", "AAAA", "test.", ("example.test.", "A")),
    ("www.example.test.", "AAAA", "example.test.", ("www.example.test.", "AAAA")),
    ("test.", "NS", ".", ("test.", "NS")),
    ("WWW.Example.TEST.", "MX", "example.test.", ("WWW.Example.TEST.", "MX")),
])
def test_next_question(minimise, name, rdtype, asked, expected):
    qname, qtype = minimise.next_question(N(name), rdtype, N(asked))
    assert (qname, qtype) == (N(expected[0]), expected[1])


def as_text(questions):
    return [(str(zone), str(qname), qtype) for zone, qname, qtype in questions]


def test_a_walk_through_two_cuts(minimise):
    assert as_text(minimise.walk("www.example.test.", "AAAA", {"test.", "example.test."})) == [
        (".", "test.", "A"),
        ("test.", "example.test.", "A"),
        ("example.test.", "www.example.test.", "AAAA"),
    ]


def test_names_between_cuts_are_asked_one_label_at_a_time(minimise):
    assert as_text(minimise.walk("a.b.c.example.test.", "TXT",
                                 ["test.", "example.test."])) == [
        (".", "test.", "A"),
        ("test.", "example.test.", "A"),
        ("example.test.", "c.example.test.", "A"),
        ("example.test.", "b.c.example.test.", "A"),
        ("example.test.", "a.b.c.example.test.", "TXT"),
    ]


def test_a_question_for_a_zone_itself_goes_to_its_own_servers(minimise):
    assert as_text(minimise.walk("example.test.", "SOA", ["test.", "example.test."])) == [
        (".", "test.", "A"),
        ("test.", "example.test.", "SOA"),
        ("example.test.", "example.test.", "SOA"),
    ]


def test_a_cut_deeper_down_is_followed(minimise):
    questions = as_text(minimise.walk("x.sub.a.test.", "A", ["test.", "sub.a.test."]))
    assert questions == [
        (".", "test.", "A"),
        ("test.", "a.test.", "A"),
        ("test.", "sub.a.test.", "A"),
        ("sub.a.test.", "x.sub.a.test.", "A"),
    ]
