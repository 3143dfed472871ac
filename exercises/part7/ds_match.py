"""Part 7, exercise 1: which key does the DS vouch for?    (easy, about 15 minutes)

A parent zone vouches for its child by publishing a DS record: the key tag,
the algorithm and a digest of one of the child's DNSKEY records (RFC 4034
s5). A validator fetches the child's DNSKEY RRset and keeps the keys that
some DS matches: only those may be trusted to sign the rest.

    keys = vouched_keys(owner, dnskeys, ds_records)

* a key matches a DS when the key tag, the algorithm, and the digest all
  match: `dns.dnssec.key_id(key)` gives the tag, and
  `dns.dnssec.make_ds(owner, key, ds.digest_type)` the DS the key would have;
* keep the keys in the order of `dnskeys`, each once;
* a DS of a digest type dnspython does not know (it raises
  `dns.dnssec.UnsupportedAlgorithm`) matches nothing; it is no error.

Grade your work with:  pytest --exercise part7
"""

from __future__ import annotations

import dns.dnssec
import dns.name
import dns.rdataset


def vouched_keys(owner: dns.name.Name, dnskeys: dns.rdataset.Rdataset,
                 ds_records: dns.rdataset.Rdataset) -> list:
    """The DNSKEY records of `owner` that one of `ds_records` matches."""
    raise NotImplementedError("exercise: write vouched_keys")
