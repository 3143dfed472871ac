"""Answers worked out once and kept as bytes: nsd's way of being fast.

The lookup of lookup.py runs for each question, and dnspython parses the
query and renders the reply around it: a couple of hundred microseconds of
Python for every answer. But a zone holds a known set of names, and the
answer about a name and type is the same for every client, until the zone
changes. nsd works every answer out when it loads a zone. We work each one
out the first time it is asked, through the very same lookup and renderer,
and keep it as bytes:

    key (question, lowercased; DO bit)  ->  header variants + what follows the question

The next query with that question is answered by `fast_path` from those
bytes, without dnspython (the server calls it before parsing anything). The
first time, and for every question about a name the zone does not hold (a
name only a wildcard matches, a name that does not exist), the slow way
answers, through the lookup, as before. Working answers out as they are
asked, rather than all at load time, costs nothing at start-up and nothing
at a reload (which would otherwise stop the server while it worked them all
out again), and keeps only answers someone wants.

tests/part2/test_prepared.py checks both ways give the same bytes for every
name and type in the shipped zones and the lab's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NamedTuple

import dns.message
import dns.name
import dns.rdatatype
import dns.zone

from part1_client.sizes import HEADER_SIZE

from . import wire
from .authority import ZoneProcessor
from .processor import Endpoint
from .protocol import render

logger = logging.getLogger(__name__)

# A bound on the table, so that clients asking every type of every name cost
# bounded memory: beyond it, the lookup answers as before.
MAX_ANSWERS = 20_000


class Prepared(NamedTuple):
    """One reply, ready to send but for the query's ID and question."""

    heads: tuple[bytes, ...]  # bytes 2-11 of the header, per client: wire.header_variants
    body: bytes  # everything after the question


# --8<-- [start:class]
class PreparedZones(ZoneProcessor):
    """A ZoneProcessor that keeps each answer it gives as bytes, for `fast_path`."""

    def __init__(self, zones: Iterable[dns.zone.Zone], max_answers: int = MAX_ANSWERS) -> None:
        self.max_answers = max_answers
        self._prepared: dict[bytes, Prepared] = {}
        super().__init__(zones)

    def replace(self, zones: Iterable[dns.zone.Zone]) -> None:
        """New zones (a SIGHUP reload): the answers of the old ones go with them."""
        super().replace(zones)
        self._prepared = {}

    def reply_to(self, query: dns.message.Message) -> dns.message.Message | None:
        reply = super().reply_to(query)
        question = query.question[0]
        if reply is not None and self._holds(question.name):
            self._prepare(question.name, question.rdtype)
        return reply

    def fast_path(self, query: bytes, src: Endpoint, udp: bool) -> bytes | None:
        """The reply to `query` from the table, or None to go the slow way."""
        parsed = wire.read_query(query)
        if parsed is None:
            return None
        key, question_end, edns, udp_limit = parsed
        prepared = self._prepared.get(key)
        if prepared is None:
            return None
        heads, body = prepared
        if udp and question_end + len(body) + edns * wire.OPT_SIZE > udp_limit:
            return None  # too big for this client: the slow way truncates it
        # The query's own ID and question (the client's spelling of the
        # name), then our header and records, then our OPT if it sent one.
        # (which of the 8 headers: see wire.header_variants)
        head = heads[edns << 2 | (query[2] & wire.FLAG_RD) << 1 | (query[3] & wire.FLAG_CD) >> 4]
        reply = query[:2] + head + query[HEADER_SIZE:question_end] + body
        return reply + wire.OPT_RECORDS[key[-1]] if edns else reply
# --8<-- [end:class]

    # --8<-- [start:prepare]
    def _prepare(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> None:
        """Work out the answer about `name` and `rdtype` as bytes, for every client."""
        if len(self._prepared) >= 2 * self.max_answers:  # two keys per answer: DO or not
            return
        query = dns.message.make_query(name, rdtype, use_edns=False)
        query.flags = 0  # no RD, no CD: header_variants sets them per client
        reply = super().reply_to(query)
        rendered = render(query, reply, udp=False)  # exactly what the slow way sends
        question_end = HEADER_SIZE + len(name.to_wire()) + 4
        prepared = Prepared(wire.header_variants(rendered[2:HEADER_SIZE]),
                            rendered[question_end:])
        question = rendered[HEADER_SIZE:question_end]
        # The reply is the same with DO or without (part 2 signs nothing);
        # only the OPT a client gets back says which it sent.
        self._prepared[wire.question_key(question, False)] = prepared
        self._prepared[wire.question_key(question, True)] = prepared
    # --8<-- [end:prepare]

    def _holds(self, name: dns.name.Name) -> bool:
        """Is `name` one the zones hold (not one a wildcard made up, not a missing one)?

        Only those are kept: the names that do not exist, and the names a
        wildcard matches, are countless; the table must stay small.
        """
        return any(name in served.names for served in self._by_origin.values())
