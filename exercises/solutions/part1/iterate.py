"""Part 1, exercise 3: resolve from the root, by hand.  (hard, about an hour)

Your client has always asked a resolver, which did the real work. Here you
do that work yourself: start at a root server and follow the referrals down
the tree until a server that is the authority for the name answers.

    root server:          "I don't know www.example.test, ask the servers of
                           test.: ns.nic.test., whose address is 127.0.0.12"
    test. server:         "ask example.test.'s servers: ns.example.test. at
                           127.0.0.13"
    example.test. server: "www.example.test. A 192.0.2.80" (AA=1: the authority)

Rules:
* send iterative queries: clear the RD (recursion desired) flag, since a root
  or zone server does not recurse for you;
* every server listens on the same `port` (in the real DNS it is 53);
  only the addresses differ;
* a referral is a reply with NS records in its authority section and no
  answer. Their addresses ("glue") are usually in the additional section.
  When a referral has no glue, find the address of one of the NS names by
  resolving it from the root too;
* a referral must lead closer to the name: to a zone below the one whose
  server sent it. Anything else, or more than MAX_REFERRALS referrals in
  all, raises IterationError;
* an authoritative answer may be a CNAME to a name in another zone: then
  resolve the target from the root;
* NXDOMAIN raises part1_client.NegativeAnswer; a name without records of
  the type (NODATA) gives an empty list; a server that does not answer is
  skipped for the next address of the same zone.

Try it on the small tree the grading tests use: start it in one terminal,

    python exercises/part1/tree.py

then ask from another:

    python exercises/solutions/part1/iterate.py www.example.test --root 127.0.0.11 --port 8053

Grade your work with:  pytest --exercise part1

When it passes, read part 8 (docs/part8.md, "Ask the root yourself"): the same
walk as a real resolver, with a cache, bailiwick checks, failover and limits.

Reference solution.
"""

from __future__ import annotations

import argparse

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from part1_client import NegativeAnswer, ResolveTimeout, exchange, make_query
from part1_client.resolve import run_sync

MAX_REFERRALS = 16


class IterationError(Exception):
    """The walk down the tree went wrong: a bad or looping referral, no server left."""


def ask(server: str, port: int, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
        ) -> dns.message.Message:
    """One iterative question (RD=0) to one server; ResolveTimeout if it is silent."""
    query = make_query(name, rdtype)
    query.flags &= ~dns.flags.RD
    return run_sync(exchange(query, server, port, timeout=1.0, tries=1))


def iterate(name: str, rdtype: str = "A", *, root: str, port: int = 53) -> list[str]:
    """The records of type `rdtype` for `name`, as text, found from the root down."""
    walk = _Walk(root, port)
    return walk.resolve(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))


class _Walk:
    """One resolution, with its referral budget shared by the side trips
    (the address of a name server without glue, the target of a CNAME)."""

    def __init__(self, root: str, port: int) -> None:
        self.root = root
        self.port = port
        self.referrals = 0

    def resolve(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType) -> list[str]:
        zone, servers = dns.name.root, [self.root]
        while True:
            reply = self.ask_any(servers, qname, qtype)
            if reply.rcode() == dns.rcode.NXDOMAIN:
                raise NegativeAnswer(f"{qname}: NXDOMAIN", reply.rcode())
            if reply.rcode() != dns.rcode.NOERROR:
                raise IterationError(f"{qname}: {dns.rcode.to_text(reply.rcode())}")
            if reply.answer or reply.flags & dns.flags.AA:
                return self.read_answer(reply, qname, qtype)
            zone, servers = self.follow_referral(reply, qname, zone)

    def ask_any(self, servers: list[str], qname: dns.name.Name,
                qtype: dns.rdatatype.RdataType) -> dns.message.Message:
        for server in servers:
            try:
                return ask(server, self.port, qname, qtype)
            except ResolveTimeout:
                continue   # the next server of the same zone may answer
        raise IterationError(f"no server of {servers} answered for {qname}")

    def read_answer(self, reply: dns.message.Message, qname: dns.name.Name,
                    qtype: dns.rdatatype.RdataType) -> list[str]:
        current = qname
        while True:
            owned = {rrset.rdtype: rrset for rrset in reply.answer if rrset.name == current}
            if qtype in owned:
                return [rdata.to_text() for rdata in owned[qtype]]
            if dns.rdatatype.CNAME not in owned:
                return [] if current == qname else self.resolve(current, qtype)
            current = owned[dns.rdatatype.CNAME][0].target
            if current == qname:
                raise IterationError(f"CNAME loop at {qname}")

    def follow_referral(self, reply: dns.message.Message, qname: dns.name.Name,
                        zone: dns.name.Name) -> tuple[dns.name.Name, list[str]]:
        ns = next((rrset for rrset in reply.authority if rrset.rdtype == dns.rdatatype.NS),
                  None)
        if ns is None:
            raise IterationError(f"{qname}: neither an answer nor a referral")
        child = ns.name
        # The referral must be for a zone strictly between the one we asked
        # and the name itself; any other is a loop or a lie.
        if child == zone or not child.is_subdomain(zone) or not qname.is_subdomain(child):
            raise IterationError(f"{qname}: referral from {zone} to {child} leads nowhere")
        self.referrals += 1
        if self.referrals > MAX_REFERRALS:
            raise IterationError(f"{qname}: more than {MAX_REFERRALS} referrals")
        targets = {rdata.target for rdata in ns}
        glue = [rdata.address for rrset in reply.additional
                if rrset.rdtype == dns.rdatatype.A and rrset.name in targets for rdata in rrset]
        if not glue:
            for target in sorted(targets):
                try:
                    glue = self.resolve(target, dns.rdatatype.A)
                except (NegativeAnswer, IterationError):
                    continue
                if glue:
                    break
        if not glue:
            raise IterationError(f"{qname}: no address for any server of {child}")
        return child, glue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Resolve a name from the root, by hand.")
    parser.add_argument("name")
    parser.add_argument("type", nargs="?", default="A")
    parser.add_argument("--root", required=True, help="address of a root server")
    parser.add_argument("--port", type=int, default=53)
    args = parser.parse_args(argv)
    for value in iterate(args.name, args.type, root=args.root, port=args.port):
        print(value)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
