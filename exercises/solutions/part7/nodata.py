"""Part 7, exercise 2: prove NODATA with NSEC (a solution)."""

from __future__ import annotations

import dns.name
import dns.rdatatype
import dns.rrset

from part7_dnssec.proofs import types_in


def proves_nodata(name: dns.name.Name, rdtype: int, nsecs: list[dns.rrset.RRset]) -> bool:
    """Do `nsecs` prove that `name` exists and has no `rdtype` records?"""
    for nsec in nsecs:
        if nsec.name == name:
            types = types_in(nsec[0])
            parent_side = dns.rdatatype.NS in types and dns.rdatatype.SOA not in types
            if parent_side and rdtype != dns.rdatatype.DS:
                continue
            if rdtype not in types and dns.rdatatype.CNAME not in types:
                return True
        elif nsec.name < name and nsec[0].next.is_subdomain(name) and nsec[0].next != name:
            return True   # an empty non-terminal: a name below it exists
    return False
