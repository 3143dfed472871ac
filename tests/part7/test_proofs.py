"""NSEC proofs, one rule at a time, on a zone written out by hand."""

import dns.name
import dns.rdatatype
import dns.rrset
import pytest

from part7_dnssec.proofs import (
    NSEC_MISSING,
    Bogus,
    closest_encloser,
    covers,
    prove_nodata,
    prove_nxdomain,
    types_in,
)

# The NSEC chain of a small zone: example. -> a -> *.w -> www -> (back to) example.
CHAIN = [
    ("example.", "a.example. NS SOA RRSIG NSEC DNSKEY"),
    ("a.example.", "*.w.example. A RRSIG NSEC"),
    ("*.w.example.", "x.y.example. TXT RRSIG NSEC"),
    ("x.y.example.", "www.example. A RRSIG NSEC"),
    ("www.example.", "example. A AAAA RRSIG NSEC"),
]
NSECS = [dns.rrset.from_text(owner, 300, "IN", "NSEC", text) for owner, text in CHAIN]
name = dns.name.from_text


def test_types_in_reads_the_bitmap():
    assert types_in(NSECS[4][0]) == {dns.rdatatype.A, dns.rdatatype.AAAA,
                                     dns.rdatatype.RRSIG, dns.rdatatype.NSEC}


@pytest.mark.parametrize(("owner", "missing", "covered"), [
    (1, "b.example.", True), (1, "a.example.", False), (4, "zzz.example.", True),
    (4, "www.example.", False), (0, "0.example.", True),
])
def test_covers_follows_canonical_order_and_wraps_at_the_end(owner, missing, covered):
    assert covers(NSECS[owner].name, NSECS[owner][0], name(missing)) == covered


def test_closest_encloser_is_the_deepest_ancestor_either_end_shares():
    assert closest_encloser(name("q.w.example."), NSECS[1].name, NSECS[1][0]) == name("w.example.")
    assert closest_encloser(name("b.example."), NSECS[1].name, NSECS[1][0]) == name("example.")


def test_nxdomain_is_proven_by_the_name_and_the_wildcard_gaps():
    prove_nxdomain(name("b.example."), NSECS)


def test_nxdomain_without_the_wildcard_proof_is_bogus():
    with pytest.raises(Bogus) as bogus:
        prove_nxdomain(name("b.example."), NSECS[1:])   # *.example. is not covered
    assert bogus.value.code == NSEC_MISSING and "*.example." in bogus.value.why


def test_nodata_from_the_names_own_nsec():
    prove_nodata(name("www.example."), dns.rdatatype.TXT, NSECS)
    with pytest.raises(Bogus):
        prove_nodata(name("www.example."), dns.rdatatype.AAAA, NSECS)


def test_nodata_for_an_empty_non_terminal():
    prove_nodata(name("y.example."), dns.rdatatype.A, NSECS)   # x.y.example. exists


def test_nodata_from_a_wildcard_without_the_type():
    prove_nodata(name("q.w.example."), dns.rdatatype.A, NSECS)   # *.w has TXT only
    with pytest.raises(Bogus):
        prove_nodata(name("q.w.example."), dns.rdatatype.TXT, NSECS)


def test_the_parents_nsec_at_a_cut_proves_no_ds_but_nothing_else():
    cut = [dns.rrset.from_text("child.example.", 300, "IN", "NSEC", "d.example. NS RRSIG NSEC")]
    prove_nodata(name("child.example."), dns.rdatatype.DS, cut)
    with pytest.raises(Bogus):
        prove_nodata(name("child.example."), dns.rdatatype.A, cut)
