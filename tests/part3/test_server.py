"""The composed resolver behind part 2's server, on an ephemeral loopback port.

Built with the same `build_resolver` as the command line, so what is tested
here is what `python -m part3_forwarder` serves.
"""

import asyncio
from pathlib import Path

import dns.asyncquery
import dns.flags
import dns.message
import dns.rcode
import pytest

from part3_forwarder import ResolverSettings, build_resolver

REPO = Path(__file__).parents[2]
OVERRIDE_ZONE = REPO / "docs" / "examples" / "override.example.test.zone"
HOSTS = REPO / "docs" / "examples" / "home.hosts"



async def query(server, name, rdtype="A", *, source=None, tcp=False, timeout=3.0):
    message = dns.message.make_query(name, rdtype)
    send = dns.asyncquery.tcp if tcp else dns.asyncquery.udp
    return await send(message, server.host, port=server.port, source=source, timeout=timeout)


@pytest.fixture
async def serve():
    """serve(upstream, **settings): the resolver the CLI would build, on a free port."""
    servers = []

    async def start(upstream, **settings):
        upstreams = [f"{upstream.host}:{upstream.port}"]
        server = build_resolver(ResolverSettings(upstreams=upstreams, port=0, **settings)).server()
        await server.start("127.0.0.1", 0)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


async def test_local_names_are_answered_while_upstreams_are_dead(serve, fake_upstream):
    fake_upstream.script(None, None, drop=True)  # the upstream has died
    server = await serve(
        fake_upstream, zones=[str(OVERRIDE_ZONE)], hosts=str(HOSTS), timeout=0.8,
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    forwarded = asyncio.create_task(query(server, "www.example.com."))
    while not fake_upstream.queries:  # the forwarder is now waiting upstream
        await asyncio.sleep(0.01)
    local = await query(server, "nas.example.test.")
    from_hosts = await query(server, "pi.home.arpa.", "AAAA")
    assert not forwarded.done()  # answered while the forwarded query still waits
    assert [r.to_text() for r in local.answer] == ["nas.example.test. 300 IN A 10.0.0.30"]
    assert [r.to_text() for r in from_hosts.answer] == ["pi.home.arpa. 0 IN AAAA fd00::2"]
    reply = await forwarded
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert loop.time() - started < 0.8 + 0.4  # the bound, with slack for a slow machine


async def test_the_hosts_file_comes_before_the_zones(serve, fake_upstream, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("10.9.9.9 nas.example.test\n")
    server = await serve(
        fake_upstream, zones=[str(OVERRIDE_ZONE)], hosts=str(hosts),
    )
    reply = await query(server, "nas.example.test.")
    assert [r.to_text() for r in reply.answer] == ["nas.example.test. 0 IN A 10.9.9.9"]
    # What the hosts file lacks goes on to the zone, not straight upstream.
    assert (await query(server, "printer.example.test.")).rcode() == dns.rcode.NXDOMAIN
    assert fake_upstream.queries == []


async def test_every_reply_says_recursion_is_available(serve, fake_upstream):
    fake_upstream.answer("www.example.com.", "A", "www.example.com. 60 IN A 127.0.0.5")
    server = await serve(fake_upstream, zones=[str(OVERRIDE_ZONE)])
    local = await query(server, "nas.example.test.")
    forwarded = await query(server, "www.example.com.")
    assert local.flags & dns.flags.RA and local.flags & dns.flags.AA
    assert forwarded.flags & dns.flags.RA and not forwarded.flags & dns.flags.AA


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
async def test_a_client_outside_the_allow_list_is_refused(serve, fake_upstream, tcp):
    fake_upstream.answer("www.example.com.", "A", "www.example.com. 60 IN A 127.0.0.5")
    server = await serve(
        fake_upstream, zones=[str(OVERRIDE_ZONE)], allow=["127.0.0.1/32"],
    )
    # 127.0.0.2 is this machine too (all of 127/8 is), but not on the list.
    for name in ("www.example.com.", "nas.example.test."):
        refused = await query(server, name, source="127.0.0.2", tcp=tcp)
        assert refused.rcode() == dns.rcode.REFUSED
        assert refused.answer == []
    assert fake_upstream.queries == []  # nothing was forwarded for it
    allowed = await query(server, "www.example.com.", source="127.0.0.1", tcp=tcp)
    assert allowed.rcode() == dns.rcode.NOERROR


async def test_the_default_list_allows_all_of_loopback(serve, fake_upstream):
    fake_upstream.answer("www.example.com.", "A", "www.example.com. 60 IN A 127.0.0.5")
    server = await serve(fake_upstream)
    reply = await query(server, "www.example.com.", source="127.0.0.2")
    assert reply.rcode() == dns.rcode.NOERROR
