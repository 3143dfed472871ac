"""Part 6, exercise 2: pad the queries.              (medium, about 30 minutes)

TLS hides what you ask, but not how long it is: "www.example.test" and
"a-very-long-name-that-gives-you-away.example.test" make records of
different sizes, and an eavesdropper who knows the sizes of popular names
can guess. EDNS(0) padding (RFC 7830) adds an option of zero bytes to make
every message the same size. RFC 8467 s4.1 says how much: a client pads its
queries to the next multiple of 128 bytes.

* padded(query, block) returns the query's wire form with a padding option
  (code 12) added to its OPT record, the padding chosen so the whole
  message is a multiple of `block` bytes. Work it out yourself: render the
  query with an empty padding option first (4 bytes: code and length), see
  how far it is from the next multiple, and fill. Keep the query's other
  EDNS options, its DO bit and its payload size. A query without EDNS gets
  EDNS version 0 first (padding lives in OPT).
* PaddedTlsUpstream is part 6's TlsUpstream whose every query reaches the
  server padded to a multiple of 128 bytes.

Grade your work with:  pytest --exercise part6
"""

from __future__ import annotations

import dataclasses

import dns.edns
import dns.message

from part1_client import ExchangeResult
from part6_encrypted import TlsUpstream

QUERY_BLOCK = 128  # RFC 8467 s4.1


def padded(query: dns.message.Message, block: int = QUERY_BLOCK) -> bytes:
    """The wire form of `query`, EDNS-padded to a multiple of `block` bytes."""
    query = dns.message.from_wire(query.to_wire())  # a copy: the caller keeps its own
    if query.edns < 0:
        query.use_edns(0)
    options = [option for option in query.options if option.otype != dns.edns.OptionType.PADDING]

    def with_padding(length: int) -> bytes:
        padding = dns.edns.GenericOption(dns.edns.OptionType.PADDING, b"\x00" * length)
        query.use_edns(query.edns, query.ednsflags, query.payload, options=[*options, padding])
        return query.to_wire()

    shortfall = -len(with_padding(0)) % block
    return with_padding(shortfall)


@dataclasses.dataclass(frozen=True)
class PaddedTlsUpstream(TlsUpstream):
    """A TLS upstream whose queries all have sizes in multiples of 128 bytes."""

    async def exchange_detailed(self, query: dns.message.Message, *, timeout: float
                                ) -> ExchangeResult:
        wire = padded(query)
        return await super().exchange_detailed(dns.message.from_wire(wire), timeout=timeout)
