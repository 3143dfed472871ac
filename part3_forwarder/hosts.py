"""Answer from an /etc/hosts-format file, as dnsmasq does.

Each line is an IP address followed by one or more names; "#" starts a
comment. The names get A or AAAA records, and the address gets a PTR record
pointing at the first name of its line (the canonical name). Anything the
file does not have (another name, another type, an address it does not list)
is not our business: the processor says None and the query goes on to the
next one, so a hosts file only ever adds names.

TTL: dnsmasq answers from the hosts file with TTL 0 unless told otherwise
(its --local-ttl), so clients do not keep a name you have just edited; we do
the same by default.

A line that cannot be read stops the start-up with "FILE:LINE: what", like a
broken zone file: a hosts entry silently skipped is a name that mysteriously
does not resolve.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import dns.rrset

from part2_server import Endpoint

from .addresses import parse_address

logger = logging.getLogger(__name__)


class HostsError(ValueError):
    """A hosts file that cannot be read; the message is "FILE:LINE: what"."""


# --8<-- [start:parse]
def read_hosts(path: str | Path) -> list[tuple[str, list[dns.name.Name]]]:
    """The (address, names) entries of a hosts file, in file order."""
    entries = []
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.partition("#")[0].split()
        if not fields:
            continue  # blank or comment-only
        address, *names = fields
        try:
            # A scope ("fe80::1%eth0") means nothing outside this machine: drop it.
            address = str(parse_address(address))
        except ValueError:
            raise HostsError(f"{path}:{number}: {address!r} is not an IP address") from None
        if not names:
            raise HostsError(f"{path}:{number}: {address} has no name after it")
        try:
            entries.append((address, [dns.name.from_text(n) for n in names]))
        except dns.exception.DNSException as error:
            raise HostsError(f"{path}:{number}: bad name: {error}") from None
    return entries
# --8<-- [end:parse]


class HostsProcessor:
    """A processor answering A, AAAA and PTR questions from a hosts file."""

    def __init__(self, path: str | Path, *, ttl: int = 0) -> None:
        self.path = Path(path)
        self.ttl = ttl
        self.addresses, self.names = self._read()

    def _read(self):
        addresses: dict[tuple[dns.name.Name, int], list[str]] = defaultdict(list)
        names_of: dict[dns.name.Name, dns.name.Name] = {}  # reverse name -> canonical name
        for address, names in read_hosts(self.path):
            rdtype = dns.rdatatype.AAAA if ":" in address else dns.rdatatype.A
            for name in names:
                if address not in addresses[name, rdtype]:
                    addresses[name, rdtype].append(address)
            # The first line that lists an address gives its canonical name.
            names_of.setdefault(dns.reversename.from_address(address), names[0])
        logger.info("%s: %d names, %d addresses",
                    self.path, len({name for name, _ in addresses}), len(names_of))
        return dict(addresses), names_of

    def reload(self) -> None:
        """Read the file again (on SIGHUP); if it is broken, keep what we had and say why."""
        try:
            # One assignment, no await in between: no query sees half of each.
            self.addresses, self.names = self._read()
        except (HostsError, OSError) as error:
            logger.error("reload failed, still answering from the hosts file read before: %s",
                         error)

    # --8<-- [start:answer]
    async def __call__(
        self, query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message | None:
        question = query.question[0]
        if question.rdclass != dns.rdataclass.IN:
            return None
        if question.rdtype == dns.rdatatype.PTR and question.name in self.names:
            rdatas = [self.names[question.name].to_text()]
        elif (question.name, question.rdtype) in self.addresses:
            rdatas = self.addresses[question.name, question.rdtype]
        else:
            return None  # not in the file: someone else's business
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA  # our own data, as dnsmasq marks it
        # The owner is the name as asked, so a client's 0x20 case survives.
        reply.answer.append(
            dns.rrset.from_text_list(question.name, self.ttl, "IN", question.rdtype, rdatas)
        )
        return reply
    # --8<-- [end:answer]
