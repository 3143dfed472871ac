"""Build a query message, refusing what cannot be asked with a clear error."""

import dns.exception
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype

from .errors import BadQuery
from .sizes import EDNS_PAYLOAD


# --8<-- [start:make_query]
def make_query(name: str | dns.name.Name, rdtype: str | int = "A", rdclass: str | int = "IN",
               *, use_edns: bool = True, dnssec: bool = False) -> dns.message.Message:
    """A recursive query (RD=1) for `name`, with a fresh random ID.

    `use_edns` adds an OPT record (RFC 6891) advertising EDNS_PAYLOAD; `dnssec`
    sets its DO bit, asking for signatures too (RFC 3225).
    """
    try:
        qname = name if isinstance(name, dns.name.Name) else dns.name.from_text(name)
    except dns.exception.DNSException as error:
        raise BadQuery(f"malformed name {name!r}: {error}") from None
    try:
        qtype = dns.rdatatype.RdataType.make(rdtype)
    except dns.rdatatype.UnknownRdatatype:
        raise BadQuery(f"unknown type {rdtype!r}") from None
    try:
        qclass = dns.rdataclass.RdataClass.make(rdclass)
    except dns.rdataclass.UnknownRdataclass:
        raise BadQuery(f"unknown class {rdclass!r}") from None
    return dns.message.make_query(qname, qtype, qclass, use_edns=use_edns,
                                  payload=EDNS_PAYLOAD, want_dnssec=dnssec)
# --8<-- [end:make_query]
