"""The one rule a forwarder must not get wrong: no answer is SERVFAIL, never NXDOMAIN.

`dead_upstream_gives_servfail` is the check. It passes for our Forwarder, and
it catches the tempting wrong version in docs/examples/nxdomain_on_timeout.py,
which turns an upstream's silence into "no such name".
"""

import importlib.util
from pathlib import Path

import dns.rcode
import pytest

from part3_forwarder.forwarder import Forwarder
from part3_forwarder.upstream import Upstream

from .helpers import ask

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "nxdomain_on_timeout.py"


def tempting_forwarder_class():
    spec = importlib.util.spec_from_file_location("nxdomain_on_timeout", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TemptingForwarder


# --8<-- [start:check]
async def dead_upstream_gives_servfail(forwarder, upstream):
    """The check: an upstream that never answers must give the client SERVFAIL."""
    upstream.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.5", drop=True)
    reply = await ask(forwarder)
    assert reply is not None, "silence: the client will wait for its own timeout"
    rcode = dns.rcode.to_text(reply.rcode())
    assert rcode == "SERVFAIL", f"the upstream was silent and the client got {rcode}"
    assert reply.answer == []
# --8<-- [end:check]


async def test_our_forwarder_says_servfail(fake_upstream):
    upstream = Upstream(fake_upstream.host, fake_upstream.port)
    await dead_upstream_gives_servfail(
        Forwarder([upstream], attempt_timeout=0.1, timeout=0.3), fake_upstream
    )


# --8<-- [start:catches]
async def test_the_check_catches_nxdomain_on_timeout(fake_upstream):
    tempting = tempting_forwarder_class()(
        Upstream(fake_upstream.host, fake_upstream.port), timeout=0.1
    )
    with pytest.raises(AssertionError, match="the client got NXDOMAIN"):
        await dead_upstream_gives_servfail(tempting, fake_upstream)
# --8<-- [end:catches]


async def test_the_tempting_version_works_while_the_upstream_does(fake_upstream):
    # Which is why it survives: every happy-path test passes.
    fake_upstream.answer("www.example.", "A", "www.example. 300 IN A 127.0.0.5")
    tempting = tempting_forwarder_class()(Upstream(fake_upstream.host, fake_upstream.port))
    reply = await ask(tempting)
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer[0][0].address == "127.0.0.5"
