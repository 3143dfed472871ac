"""Grading: part 3, exercise 1 (exercises/part3/blocklist.py)."""

import dns.flags
import dns.message
import dns.rcode
import pytest

from part3_forwarder import Forwarder, Upstream, compose

SRC, DST = ("127.0.0.1", 40000), ("127.0.0.1", 8053)


@pytest.fixture
def blocklist(exercise):
    return exercise("part3/blocklist")


@pytest.fixture
def resolver(blocklist, fake_upstream):
    fake_upstream.records("www.example.test. 300 IN A 192.0.2.80",
                          "notads.example.test. 300 IN A 192.0.2.81")
    blocked = blocklist.Blocklist(["ads.example.test", "Tracker.Test."])
    return compose(blocked, Forwarder([Upstream(fake_upstream.host, fake_upstream.port)],
                                      timeout=1.0, attempt_timeout=0.5))


async def ask(processor, name, rdtype="A"):
    return await processor(dns.message.make_query(name, rdtype), src=SRC, dst=DST)


@pytest.mark.parametrize("name", ["ads.example.test.", "x.ads.example.test.",
                                  "a.b.ADS.example.test.", "tracker.test.", "pixel.tracker.test."])
async def test_blocked_names_do_not_exist(resolver, fake_upstream, name):
    reply = await ask(resolver, name)
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert reply.answer == []
    assert reply.flags & dns.flags.RA
    assert fake_upstream.queries == []      # never asked upstream


async def test_every_type_is_blocked(resolver, fake_upstream):
    for rdtype in ("AAAA", "TXT", "HTTPS"):
        assert (await ask(resolver, "ads.example.test.", rdtype)).rcode() == dns.rcode.NXDOMAIN
    assert fake_upstream.queries == []


async def test_other_names_are_forwarded(resolver, fake_upstream):
    reply = await ask(resolver, "www.example.test.")
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["192.0.2.80"]
    # a name that merely ends with the same letters is not below it
    reply = await ask(resolver, "notads.example.test.")
    assert [rdata.to_text() for rdata in reply.answer[0]] == ["192.0.2.81"]
    assert len(fake_upstream.queries) == 2


async def test_the_parent_of_a_blocked_name_is_not_blocked(blocklist):
    blocked = blocklist.Blocklist(["ads.example.test"])
    assert await ask(blocked, "example.test.") is None
    assert await ask(blocked, "test.") is None


async def test_the_question_comes_back_as_asked(blocklist):
    reply = await ask(blocklist.Blocklist(["ads.example.test"]), "AdS.Example.TEST.")
    assert reply.question[0].name.to_text() == "AdS.Example.TEST."


def test_a_blocklist_file(blocklist, tmp_path):
    path = tmp_path / "blocked.txt"
    path.write_text("# ads and trackers\n"
                    "ads.example.test\n"
                    "\n"
                    "0.0.0.0 tracker.test   # hosts-file style\n"
                    "127.0.0.1\tbeacon.test.\n"
                    "   metrics.test  \n")
    assert blocklist.load_blocklist(path) == ["ads.example.test", "tracker.test",
                                              "beacon.test.", "metrics.test"]
