"""Grading: part 7, exercise 2 (exercises/part7/nodata.py)."""

import dns.rdatatype
import pytest
from nsec_chain import name, nsecs

A, AAAA, TXT, MX, DS = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.TXT,
                        dns.rdatatype.MX, dns.rdatatype.DS)


@pytest.fixture
def nodata(exercise):
    return exercise("part7/nodata")


def test_the_names_own_nsec_without_the_type(nodata):
    assert nodata.proves_nodata(name("www.example."), TXT, nsecs("www.example."))


def test_the_names_own_nsec_with_the_type_proves_nothing(nodata):
    assert not nodata.proves_nodata(name("www.example."), AAAA, nsecs("www.example."))


def test_another_names_nsec_proves_nothing(nodata):
    assert not nodata.proves_nodata(name("www.example."), TXT, nsecs("a.example."))


def test_a_cname_answers_every_type(nodata):
    assert not nodata.proves_nodata(name("www2.example."), TXT, nsecs("www2.example."))


def test_an_empty_non_terminal(nodata):
    assert nodata.proves_nodata(name("y.example."), A, nsecs("*.w.example."))
    assert not nodata.proves_nodata(name("z.example."), A, nsecs("*.w.example."))


def test_the_parents_nsec_at_a_cut_proves_only_no_ds(nodata):
    assert nodata.proves_nodata(name("child.example."), DS, nsecs("child.example."))
    assert not nodata.proves_nodata(name("child.example."), MX, nsecs("child.example."))


def test_the_apex(nodata):
    assert nodata.proves_nodata(name("example."), MX, nsecs("example."))
    assert not nodata.proves_nodata(name("example."), dns.rdatatype.SOA, nsecs("example."))
