"""Our validating resolver, running in a thread, in front of the signed lab."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from part7_dnssec import ValidatingSettings, build_validating_resolver
from tests.dnstest.threads import serving_in_thread


@contextlib.contextmanager
def validating_resolver(net, **settings) -> Iterator[tuple[str, int]]:
    host, port = net.upstream
    resolver = build_validating_resolver(ValidatingSettings(
        upstreams=[f"{host}:{port}"], trust_anchor=str(net.trust_anchor), port=0, **settings))
    with serving_in_thread(resolver.server()) as server:
        yield "127.0.0.1", server.port
