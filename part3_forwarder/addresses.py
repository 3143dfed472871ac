"""IP addresses as the resolver meets them in flags, files and sockets."""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> IPAddress:
    """The IP address in `text`, without a scope: "fe80::1%eth0" is fe80::1.

    A scope names an interface of one machine; it means nothing to anyone
    else. Raises ValueError for what is not an IP address.
    """
    return ipaddress.ip_address(text.partition("%")[0])


def same_family_address(text: str) -> IPAddress:
    """`parse_address`, with an IPv4-mapped IPv6 address as the IPv4 address it maps.

    A dual-stack socket reports an IPv4 client as ::ffff:10.0.0.1; for every
    check we make, that client is 10.0.0.1.
    """
    address = parse_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address
