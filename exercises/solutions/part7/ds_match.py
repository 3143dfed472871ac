"""Part 7, exercise 1: which key does the DS vouch for? (a solution)"""

from __future__ import annotations

import dns.dnssec
import dns.name
import dns.rdataset


def vouched_keys(owner: dns.name.Name, dnskeys: dns.rdataset.Rdataset,
                 ds_records: dns.rdataset.Rdataset) -> list:
    """The DNSKEY records of `owner` that one of `ds_records` matches."""
    vouched = []
    for key in dnskeys:
        tag = dns.dnssec.key_id(key)
        for ds in ds_records:
            if ds.key_tag != tag or ds.algorithm != key.algorithm:
                continue   # cheap checks first: most keys fail here
            try:
                if dns.dnssec.make_ds(owner, key, ds.digest_type) == ds:
                    vouched.append(key)
                    break
            except dns.dnssec.UnsupportedAlgorithm:
                continue
    return vouched
