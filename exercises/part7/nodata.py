"""Part 7, exercise 2: prove NODATA with NSEC.    (medium, about 30 minutes)

"www.example. has no TXT record" is a negative answer a validator must not
take on trust. The authority section brings NSEC records (RFC 4034 s4);
each says: "this owner name exists, with these types (the bitmap), and the
next name of the zone in canonical order is `next`". Write the check:

    proves_nodata(name, rdtype, nsecs) -> bool

True when one of `nsecs` (RRsets of type NSEC) proves that `name` exists
but owns no `rdtype` (RFC 4035 s5.4):

* the NSEC *at* `name` proves it when its bitmap lacks `rdtype`, and lacks
  CNAME too (a CNAME would have answered for every type);
* but an NSEC at `name` whose bitmap has NS and no SOA comes from the parent
  side of a zone cut: it can prove there is no DS there (`rdtype` DS), and
  nothing else (RFC 6840 s4.4);
* an empty non-terminal (a name that owns nothing but has names below it)
  has no NSEC of its own: it is proven by the NSEC whose owner sorts before
  `name` and whose `next` is below `name` (a descendant).

Names compare in DNSSEC's canonical order with < (dnspython does it);
`types_in(nsec)` below lists the types in an NSEC's bitmap.

Grade your work with:  pytest --exercise part7
"""

from __future__ import annotations

import dns.name
import dns.rdatatype
import dns.rrset

from part7_dnssec.proofs import types_in  # noqa: F401 (you will need it)


def proves_nodata(name: dns.name.Name, rdtype: int, nsecs: list[dns.rrset.RRset]) -> bool:
    """Do `nsecs` prove that `name` exists and has no `rdtype` records?"""
    raise NotImplementedError("exercise: write proves_nodata")
