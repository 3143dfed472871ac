"""Upstream resolvers: where a forwarder sends what it cannot answer itself.

An upstream is written HOST[:PORT], the way resolv.conf and most resolvers'
configuration files take it, with brackets around an IPv6 address that has a
port ("[::1]:5353"), since an IPv6 address is itself full of colons.
"""

from __future__ import annotations

import dataclasses

import dns.message

from part1_client import ExchangeResult, exchange_detailed

from .addresses import parse_address

DNS_PORT = 53


@dataclasses.dataclass(frozen=True)
class Upstream:
    """One upstream resolver: an IP address and a port."""

    host: str
    port: int = DNS_PORT

    def __str__(self) -> str:
        if ":" in self.host:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"

    # --8<-- [start:exchange]
    async def exchange_detailed(self, query: dns.message.Message, *,
                                timeout: float) -> ExchangeResult:
        """One try: UDP, then TCP if truncated (part 1). Other kinds of upstream
        (part 6's TLS and HTTPS) subclass this and bring their own transport."""
        return await exchange_detailed(query, self.host, self.port, timeout=timeout, tries=1)
    # --8<-- [end:exchange]


# --8<-- [start:parse_upstream]
def parse_upstream(text: str) -> Upstream:
    """Read "HOST[:PORT]": "192.0.2.1", "192.0.2.1:5353", "::1", "[::1]:5353".

    HOST must be an IP address. A name would have to be looked up in the DNS,
    and a resolver cannot count on the DNS to find its own upstream.
    """
    text = text.strip()
    if text.startswith("["):  # [IPv6] or [IPv6]:PORT
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r}: write an IPv6 address with a port as [ADDRESS]:PORT")
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:  # IPv4:PORT
        host, port_text = text.split(":")
    else:  # a bare IPv4 or IPv6 address
        host, port_text = text, None
    try:
        address = parse_address(host)  # fe80::1%eth0 has a scope: dropped
    except ValueError:
        raise ValueError(f"{text!r}: the upstream must be an IP address, not {host!r}") from None
    if address.is_unspecified:
        raise ValueError(f"{text!r}: {host} means 'any address', not a server to ask")
    return Upstream(host, _port(port_text, text))
# --8<-- [end:parse_upstream]


def _port(port_text: str | None, text: str) -> int:
    if port_text is None:
        return DNS_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{text!r}: the port must be a number from 1 to 65535")
    return int(port_text)
