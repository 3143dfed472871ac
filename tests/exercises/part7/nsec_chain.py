"""A small zone's NSEC chain, shared by the NSEC exercises' grading tests.

    example.         NS SOA          (the apex)
    a.example.       A
    child.example.   NS              (a delegation: the parent's NSEC)
    *.w.example.     TXT             (a wildcard)
    x.y.example.     A               (so y.example. is an empty non-terminal)
    www.example.     A AAAA
    www2.example.    CNAME
"""

import dns.name
import dns.rrset

CHAIN = [
    ("example.", "a.example. NS SOA RRSIG NSEC DNSKEY"),
    ("a.example.", "child.example. A RRSIG NSEC"),
    ("child.example.", "*.w.example. NS RRSIG NSEC"),
    ("*.w.example.", "x.y.example. TXT RRSIG NSEC"),
    ("x.y.example.", "www.example. A RRSIG NSEC"),
    ("www.example.", "www2.example. A AAAA RRSIG NSEC"),
    ("www2.example.", "example. CNAME RRSIG NSEC"),
]
NSECS = {owner: dns.rrset.from_text(owner, 300, "IN", "NSEC", text) for owner, text in CHAIN}


def nsecs(*owners):
    return [NSECS[owner] for owner in owners]


name = dns.name.from_text
