"""Grading: part 7, exercise 1 (exercises/part7/ds_match.py)."""

import dns.name
import dns.rdata
import dns.rdataset
import pytest

pytest.importorskip("cryptography", reason="part 7 needs the dnssec extra")

from part7_dnssec.signing import make_key

OWNER = dns.name.from_text("example.test.")


@pytest.fixture
def ds_match(exercise):
    return exercise("part7/ds_match")


def rdataset(*rdatas):
    return dns.rdataset.from_rdata_list(3600, list(rdatas))


def test_the_key_the_ds_names_is_vouched_for(ds_match):
    key, other = make_key(), make_key()
    found = ds_match.vouched_keys(OWNER, rdataset(other.dnskey, key.dnskey),
                                  rdataset(key.ds(OWNER)))
    assert found == [key.dnskey]


def test_a_ds_for_another_key_vouches_for_nothing(ds_match):
    key, other = make_key(), make_key()
    assert ds_match.vouched_keys(OWNER, rdataset(key.dnskey), rdataset(other.ds(OWNER))) == []


def test_the_digest_covers_the_owner_name(ds_match):
    key = make_key()
    elsewhere = key.ds(dns.name.from_text("other.test."))   # same key, another zone
    assert ds_match.vouched_keys(OWNER, rdataset(key.dnskey), rdataset(elsewhere)) == []


def test_a_forged_digest_with_the_right_tag_is_refused(ds_match):
    key = make_key()
    real = key.ds(OWNER)
    forged = real.replace(digest=bytes(len(real.digest)))
    assert forged.key_tag == real.key_tag
    assert ds_match.vouched_keys(OWNER, rdataset(key.dnskey), rdataset(forged)) == []


def test_two_keys_two_ds_in_key_order_and_unknown_digests_ignored(ds_match):
    first, second = make_key(), make_key()
    unknown = dns.rdata.from_text("IN", "DS", f"{first.tag} 13 99 00ff")
    found = ds_match.vouched_keys(
        OWNER, rdataset(first.dnskey, second.dnskey),
        rdataset(second.ds(OWNER), unknown, first.ds(OWNER)))
    assert found == [first.dnskey, second.dnskey]
