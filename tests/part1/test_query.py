"""make_query builds the question dig would ask, and refuses what cannot be asked."""

import dns.flags
import dns.rdataclass
import dns.rdatatype
import pytest

from part1_client import BadQuery, DnsClientError, make_query
from part1_client.sizes import EDNS_PAYLOAD


def test_defaults_recursive_query_for_a_with_edns():
    query = make_query("www.example")
    question = query.question[0]
    assert str(question.name) == "www.example."  # made absolute
    assert question.rdtype == dns.rdatatype.A
    assert question.rdclass == dns.rdataclass.IN
    assert query.flags & dns.flags.RD
    assert not query.flags & dns.flags.QR
    assert query.edns == 0
    assert query.payload == EDNS_PAYLOAD == 1232
    assert not query.ednsflags & dns.flags.DO


def test_type_class_and_flags():
    query = make_query("example.", "mx", "CH", dnssec=True)
    assert query.question[0].rdtype == dns.rdatatype.MX
    assert query.question[0].rdclass == dns.rdataclass.CH
    assert query.ednsflags & dns.flags.DO


def test_numeric_and_generic_types():
    assert make_query("example.", 28).question[0].rdtype == dns.rdatatype.AAAA
    assert make_query("example.", "TYPE65534").question[0].rdtype == 65534


def test_without_edns_there_is_no_opt_record():
    query = make_query("example.", use_edns=False)
    assert query.edns == -1
    assert query.to_wire()[10:12] == b"\x00\x00"  # ARCOUNT 0


def test_ids_are_random():
    assert len({make_query("example.").id for _ in range(20)}) > 1


@pytest.mark.parametrize(("name", "rdtype", "rdclass", "message"), [
    ("a..example.", "A", "IN", "malformed name"),
    ("x" * 64 + ".example.", "A", "IN", "malformed name"),
    (".".join(["abcdefgh"] * 30), "A", "IN", "malformed name"),
    ("example.", "NOSUCHTYPE", "IN", "unknown type"),
    ("example.", "A", "NOSUCHCLASS", "unknown class"),
])
def test_bad_questions_raise_a_clear_error(name, rdtype, rdclass, message):
    with pytest.raises(BadQuery, match=message) as caught:
        make_query(name, rdtype, rdclass)
    assert isinstance(caught.value, DnsClientError)
    assert isinstance(caught.value, ValueError)
