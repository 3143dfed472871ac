"""Refusing, at start-up, to forward to our own listening address."""

import pytest

from part3_forwarder.loop_guard import ForwardingLoopError, refuse_forwarding_loop
from part3_forwarder.upstream import parse_upstream


def upstreams(*texts):
    return [parse_upstream(t) for t in texts]


@pytest.mark.parametrize(
    ("upstream", "host", "port"),
    [
        ("127.0.0.1:8053", "127.0.0.1", 8053),
        ("[::1]:8053", "::1", 8053),
        ("127.0.0.1:8053", "0.0.0.0", 8053),  # the wildcard listens on loopback too
        ("127.0.0.2:8053", "0.0.0.0", 8053),
        ("[::1]:8053", "::", 8053),
        ("127.0.0.1:8053", "::ffff:127.0.0.1", 8053),
    ],
)
def test_our_own_address_is_refused(upstream, host, port):
    with pytest.raises(ForwardingLoopError, match="own address") as caught:
        refuse_forwarding_loop(upstreams("192.0.2.1", upstream), host, port)
    assert str(parse_upstream(upstream)) in str(caught.value)  # names the culprit


@pytest.mark.parametrize(
    ("upstream", "host", "port"),
    [
        ("127.0.0.1:53", "127.0.0.1", 8053),  # same address, other port
        ("127.0.0.2:8053", "127.0.0.1", 8053),  # other loopback address
        ("192.0.2.1:8053", "0.0.0.0", 8053),  # not an address of this machine
        ("127.0.0.1:8053", "127.0.0.1", 0),  # an ephemeral port is never an upstream's
    ],
)
def test_other_addresses_are_fine(upstream, host, port):
    refuse_forwarding_loop(upstreams(upstream), host, port)
