"""Who may ask: a resolver open to the whole Internet is an amplifier for attacks.

A small query with a forged source address makes an open resolver send a
large answer to the victim, so a home resolver answers only its own networks
(loopback, the private ranges) and REFUSES everyone else, as Unbound does by
default. The check is a plain `AccessList.allows(host)` so that part 4's cache,
which answers hits from bytes before any processor runs, can apply it too.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Iterable

import dns.message
import dns.rcode

from part2_server import Endpoint, Processor, reply_with_rcode

from .addresses import same_family_address

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# --8<-- [start:default_allow]
DEFAULT_ALLOW = (
    "127.0.0.0/8",  # loopback (RFC 1122)
    "::1/128",
    "10.0.0.0/8",  # private networks (RFC 1918)
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",  # unique local IPv6 (RFC 4193)
    "169.254.0.0/16",  # link-local (RFC 3927, RFC 4291)
    "fe80::/10",
)
# --8<-- [end:default_allow]


def parse_network(text: str) -> Network:
    """Read a network ("192.168.1.0/24", "fd00::/8") or one address (a /32 or /128)."""
    try:
        # strict=False: "192.168.1.1/24" means the /24 it is in, as in most firewalls.
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an address or a network in CIDR form") from None


# --8<-- [start:access_list]
class AccessList:
    """The networks whose clients get answers."""

    def __init__(self, networks: Iterable[str | Network] = DEFAULT_ALLOW) -> None:
        self.networks = tuple(
            n if isinstance(n, (ipaddress.IPv4Network, ipaddress.IPv6Network))
            else parse_network(n)
            for n in networks
        )
        # A home network has a handful of clients asking over and over: remember
        # each verdict, so the check costs a dict lookup on part 4's fast path.
        self.allows = functools.lru_cache(maxsize=4096)(self._allows)

    def _allows(self, host: str) -> bool:
        """True if a client at `host` (an IP address as text) may ask us."""
        try:
            address = same_family_address(host)  # ::ffff:10.0.0.1 is 10.0.0.1
        except ValueError:
            return False
        # `in` is False across IP versions, so both kinds of network can share a list.
        return any(address in network for network in self.networks)
# --8<-- [end:access_list]


# --8<-- [start:access_controlled]
def access_controlled(processor: Processor, access: AccessList) -> Processor:
    """`processor`, answering only clients that `access` allows; REFUSED for the rest."""

    async def guarded(
        query: dns.message.Message, *, src: Endpoint, dst: Endpoint
    ) -> dns.message.Message | None:
        if not access.allows(src[0]):
            logger.debug("REFUSED %s: not in the access list", src[0])
            return reply_with_rcode(query, dns.rcode.REFUSED)
        return await processor(query, src=src, dst=dst)

    return guarded
# --8<-- [end:access_controlled]
