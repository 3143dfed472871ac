"""The signer: every RRset verifies, DS records link the tree, keys are fresh."""

import dns.dnssec
import dns.name
import dns.rdatatype
import dns.rrset

from lab.signed import EXPIRED, SIGNED, TAMPERED, sign_lab
from lab.tree import load_lab_zones
from part7_dnssec.signing import ALGORITHM, make_key

BROKEN = {dns.name.from_text(name) for name in (TAMPERED, EXPIRED)}   # on purpose


def test_keys_are_fresh_each_time():
    assert make_key().dnskey != make_key().dnskey
    assert make_key().dnskey.algorithm == ALGORITHM


def test_every_signed_rrset_verifies_and_each_ds_matches_its_child(tmp_path):
    zones = load_lab_zones()
    anchor, keys = sign_lab(zones, tmp_path)
    for origin in SIGNED:
        zone = zones[origin]
        dnskeys = zone.get_rdataset(zone.origin, dns.rdatatype.DNSKEY)
        signed = 0
        for owner, node in zone.nodes.items():
            for rdataset in node:
                if rdataset.rdtype == dns.rdatatype.RRSIG or owner in BROKEN:
                    continue
                sigs = node.get_rdataset(rdataset.rdclass, dns.rdatatype.RRSIG,
                                         rdataset.rdtype)
                if sigs is None:
                    continue   # NS and glue at a cut, and the RRset broken on purpose
                dns.dnssec.validate((owner, rdataset), (owner, sigs),
                                    {zone.origin: dnskeys})
                signed += 1
        assert signed > 3, origin
    test_zone = zones["test."]
    ds = test_zone.get_rdataset(dns.name.from_text("example.test."), dns.rdatatype.DS)
    assert ds[0] == keys["example.test."].ds(dns.name.from_text("example.test."))
    wrong = test_zone.get_rdataset(dns.name.from_text("bad-ds.test."), dns.rdatatype.DS)
    assert wrong[0] != keys["bad-ds.test."].ds(dns.name.from_text("bad-ds.test."))
    assert str(keys["."].tag) in anchor.read_text()
