"""The fast path answers exactly what the slow path would, or leaves the query to it."""

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import pytest

from part2_server.protocol import respond
from part3_forwarder.access import AccessList
from part4_cache import Cache, cached

from .helpers import DST, SRC, fast, make_query, slow

SOA = "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 900 1209600 60"


def script(upstream):
    upstream.answer("www.example.test.", "A",
                    "www.example.test. 300 IN CNAME web.example.test.",
                    "web.example.test. 120 IN A 192.0.2.1",
                    "web.example.test. 120 IN A 192.0.2.2",
                    authority=["example.test. 3600 IN NS ns1.example.test."],
                    additional=["ns1.example.test. 3600 IN A 192.0.2.53"])
    upstream.answer("nope.example.test.", "A", authority=[SOA], rcode=dns.rcode.NXDOMAIN)
    upstream.answer("www.example.test.", "AAAA", authority=[SOA])
    upstream.answer("down.example.test.", "A", rcode=dns.rcode.SERVFAIL)
    upstream.answer("big.example.test.", "TXT",
                    *[f'big.example.test. 300 IN TXT "{i:02} {"x" * 60}"' for i in range(12)])


QUERIES = {
    "positive, EDNS": {"name": "www.example.test."},
    "positive, no EDNS": {"name": "www.example.test.", "edns": False},
    "positive, DO": {"name": "www.example.test.", "do": True},
    "mixed case": {"name": "WwW.eXaMpLe.TeSt."},
    "CD=1": {"name": "www.example.test.", "flags": dns.flags.RD | dns.flags.CD},
    "NXDOMAIN": {"name": "nope.example.test."},
    "NODATA": {"name": "www.example.test.", "rdtype": "AAAA"},
    "SERVFAIL": {"name": "down.example.test."},
    "big, EDNS 1232": {"name": "big.example.test.", "rdtype": "TXT"},
}


@pytest.mark.parametrize("udp", [True, False], ids=["udp", "tcp"])
@pytest.mark.parametrize("case", QUERIES)
async def test_fast_path_sends_what_the_slow_path_sends(resolver, upstream, clock, case, udp):
    script(upstream)
    options = dict(QUERIES[case])
    name, rdtype = options.pop("name"), options.pop("rdtype", "A")
    await slow(resolver, make_query(name.lower(), rdtype))  # fill the cache, DO=0
    await slow(resolver, make_query(name.lower(), rdtype, do=True))  # and DO=1
    clock.advance(3)  # TTLs count down (and the SERVFAIL's 5 seconds are not up)
    query = make_query(name, rdtype, query_id=777, **options)
    from_bytes = resolver.fast_path(query.to_wire(), SRC, udp)
    assert from_bytes is not None
    the_slow_way = await respond(query.to_wire(), resolver, src=SRC, dst=DST, udp=udp)
    assert as_text(from_bytes) == as_text(the_slow_way)


def as_text(reply: bytes) -> list[str]:
    """Everything in a reply: ID, flags, rcode, EDNS, every record and its TTL.

    Records within a section are sorted: dnspython shuffles the records of an
    RRset each time it renders one (as servers may), so order is not part of
    the answer.
    """
    lines, section = [], []
    for line in dns.message.from_wire(reply).to_text().splitlines():
        if line.startswith(";"):
            lines += [*sorted(section), line]
            section = []
        else:
            section.append(line)
    return lines + sorted(section)


async def test_reply_has_an_opt_exactly_when_the_query_had_one(resolver, upstream):
    script(upstream)
    await slow(resolver, make_query("www.example.test."))
    assert fast(resolver, make_query("www.example.test.", edns=False)).edns == -1
    with_edns = fast(resolver, make_query("www.example.test.", edns=True))
    assert (with_edns.edns, with_edns.payload) == (0, 1232)


async def test_too_big_for_a_plain_udp_client_takes_the_slow_path(resolver, upstream):
    script(upstream)
    await slow(resolver, make_query("big.example.test.", "TXT"))
    plain = make_query("big.example.test.", "TXT", edns=False)
    assert resolver.fast_path(plain.to_wire(), SRC, True) is None
    truncated = dns.message.from_wire(
        await respond(plain.to_wire(), resolver, src=SRC, dst=DST, udp=True))
    assert truncated.flags & dns.flags.TC  # the slow path truncates, from the cache
    assert upstream.asked("big.example.test.", "TXT") == 1
    assert resolver.fast_path(plain.to_wire(), SRC, False) is not None  # TCP: no limit


async def test_edns_payload_below_the_reply_size_takes_the_slow_path(resolver, upstream):
    script(upstream)
    await slow(resolver, make_query("big.example.test.", "TXT"))
    assert fast(resolver, make_query("big.example.test.", "TXT", payload=512)) is None
    assert fast(resolver, make_query("big.example.test.", "TXT", payload=4096)) is not None


async def test_fast_path_answers_only_clients_the_access_list_allows(upstream, clock):
    access = AccessList(["127.0.0.0/8"])
    resolver = cached(upstream, Cache(clock=clock), allow=access.allows)
    script(upstream)
    await slow(resolver, make_query("www.example.test."))
    query = make_query("www.example.test.").to_wire()
    assert resolver.fast_path(query, ("127.0.0.1", 5300), True) is not None
    assert resolver.fast_path(query, ("192.0.2.99", 5300), True) is None


async def test_fast_path_leaves_unusual_queries_to_the_slow_path(resolver, upstream):
    script(upstream)
    await slow(resolver, make_query("www.example.test."))
    update = make_query("www.example.test.")
    update.set_opcode(dns.opcode.UPDATE)
    assert resolver.fast_path(update.to_wire(), SRC, True) is None
    assert resolver.fast_path(b"\0\1", SRC, True) is None
    assert resolver.fast_path(b"", SRC, True) is None
    # RD=0: not answered from the cache at all (the Hardening page says why)
    assert resolver.fast_path(make_query("www.example.test.", flags=0).to_wire(),
                              SRC, True) is None


async def test_each_second_gives_new_ttls(resolver, upstream, clock):
    script(upstream)
    await slow(resolver, make_query("www.example.test."))
    for elapsed in (0, 1, 2, 60):
        clock.now = 1000.0 + elapsed
        reply = fast(resolver, make_query("www.example.test."))
        assert reply.answer[0].ttl == 300 - elapsed
