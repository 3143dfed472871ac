"""Refuse to forward to ourselves.

A forwarder whose upstream is its own listening address sends every query it
cannot answer back to itself, which forwards it again, until the queries in
flight fill up and everything times out. That mistake is easy to make
("--port 53 --upstream 127.0.0.1") and costly to debug, so it is refused at
start-up, with a message naming the culprit.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

from .addresses import IPAddress, same_family_address
from .upstream import Upstream


class ForwardingLoopError(ValueError):
    """An upstream is this server's own listening address."""


# --8<-- [start:refuse_loop]
def refuse_forwarding_loop(upstreams: Iterable[Upstream], host: str, port: int) -> None:
    """Raise ForwardingLoopError if an upstream is our own `host`:`port`."""
    for upstream in upstreams:
        if upstream.port == port and _same_place(upstream.host, host):
            raise ForwardingLoopError(
                f"upstream {upstream} is this server's own address (listening on {host} "
                f"port {port}): every query would be forwarded back to us. "
                "Point --upstream at another resolver, or listen on another --port."
            )
# --8<-- [end:refuse_loop]


def _same_place(upstream_host: str, listen_host: str) -> bool:
    """Does a packet sent to `upstream_host` reach a socket bound to `listen_host`?"""
    try:
        upstream = same_family_address(upstream_host)
        listening = same_family_address(listen_host)
    except ValueError:  # a listening name such as "localhost": compare as written
        return upstream_host == listen_host
    if listening.is_unspecified:
        # Bound to 0.0.0.0 or ::, we receive on every local address (and "::"
        # on Linux takes IPv4 too), so any address of this machine is a loop.
        return _is_local(upstream)
    return upstream == listening


def _is_local(address: IPAddress) -> bool:
    """True if `address` belongs to this machine: only then can we bind to it."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((str(address), 0))
        except OSError:
            return False
    return True
