"""Grading: part 1, exercise 2 (exercises/part1/follow_cnames.py).

The fake server plays an authoritative server that stops every answer at
the first CNAME, so the student's code has to ask again for each target.
"""

import pytest


@pytest.fixture
def cnames(exercise):
    return exercise("part1/follow_cnames")


def cnames_only(fake, *links):
    """Answer any question about each owner with its CNAME alone, as an
    authoritative server does when the target is in another zone."""
    for owner, target in links:
        fake.answer(owner, None, f"{owner} 300 IN CNAME {target}")


@pytest.fixture
def server(fake_upstream_thread):
    fake = fake_upstream_thread
    cnames_only(fake, ("www.shop.test.", "web.cdn.test."), ("web.cdn.test.", "edge.cdn.test."),
                ("ping.test.", "pong.test."), ("pong.test.", "ping.test."),
                ("dangling.test.", "gone.test."), ("bait.test.", "web.cdn.test."))
    fake.records("edge.cdn.test. 60 IN A 192.0.2.7",
                 "edge.cdn.test. 60 IN A 192.0.2.8",
                 "edge.cdn.test. 60 IN AAAA 2001:db8::7",
                 "direct.test. 300 IN A 192.0.2.1")
    fake.nxdomain("gone.test.")
    fake.nodata("edge.cdn.test.", "MX")
    return fake


def follow(cnames, server, name, rdtype="A"):
    return cnames.follow_cnames(name, rdtype, server=server.host, port=server.port)


def test_a_name_without_cname_needs_one_query(cnames, server):
    result = follow(cnames, server, "direct.test")
    assert result.chain == ["direct.test."]
    assert result.values == ["192.0.2.1"]
    assert len(server.queries) == 1


def test_each_link_is_asked_for(cnames, server):
    result = follow(cnames, server, "www.shop.test")
    assert result.chain == ["www.shop.test.", "web.cdn.test.", "edge.cdn.test."]
    assert sorted(result.values) == ["192.0.2.7", "192.0.2.8"]
    assert [str(query.name) for query in server.queries] == result.chain


def test_the_asked_type_is_followed(cnames, server):
    result = follow(cnames, server, "www.shop.test", "AAAA")
    assert result.values == ["2001:db8::7"]
    assert {query.rdtype for query in server.queries} == {28}   # AAAA, every time


def test_the_whole_chain_in_one_answer_needs_no_more_questions(cnames, server):
    server.answer("all.shop.test.", "A",
                  "all.shop.test. 300 IN CNAME edge.cdn.test.",
                  "edge.cdn.test. 60 IN A 192.0.2.7")
    result = follow(cnames, server, "all.shop.test")
    assert result.chain == ["all.shop.test.", "edge.cdn.test."]
    assert result.values == ["192.0.2.7"]


def test_records_off_the_chain_are_not_believed(cnames, server):
    # The reply slips in an address for a name that is not on the chain
    # (yet): a poisoning attempt. It must be ignored, and the real target asked.
    server.answer("bait.test.", None,
                  "bait.test. 300 IN CNAME web.cdn.test.",
                  "edge.cdn.test. 86400 IN A 192.0.2.66")
    result = follow(cnames, server, "bait.test")
    assert result.chain == ["bait.test.", "web.cdn.test.", "edge.cdn.test."]
    assert sorted(result.values) == ["192.0.2.7", "192.0.2.8"]


def test_a_loop_is_refused(cnames, server):
    with pytest.raises(cnames.CnameLoop):
        follow(cnames, server, "ping.test")


def test_a_chain_too_long_is_refused(cnames, server):
    last = cnames.MAX_LINKS + 1
    cnames_only(server, *((f"hop{i}.test.", f"hop{i + 1}.test.") for i in range(last)))
    server.records(f"hop{last}.test. 300 IN A 192.0.2.9")
    with pytest.raises(cnames.CnameLoop):
        follow(cnames, server, "hop0.test")


def test_a_chain_of_max_links_is_fine(cnames, server):
    last = cnames.MAX_LINKS
    cnames_only(server, *((f"ok{i}.test.", f"ok{i + 1}.test.") for i in range(last)))
    server.records(f"ok{last}.test. 300 IN A 192.0.2.9")
    assert follow(cnames, server, "ok0.test").values == ["192.0.2.9"]


def test_a_dangling_cname_gives_no_values(cnames, server):
    result = follow(cnames, server, "dangling.test")
    assert result.chain == ["dangling.test.", "gone.test."]
    assert result.values == []


def test_no_such_type_at_the_end_gives_no_values(cnames, server):
    assert follow(cnames, server, "www.shop.test", "MX").values == []
