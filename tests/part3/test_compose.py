"""compose: the first processor with an answer wins; None from all is None."""

import dns.flags
import dns.message
import dns.rcode

from part3_forwarder.compose import compose, recursion_available

SRC = ("127.0.0.1", 5000)
DST = ("127.0.0.1", 8053)


def answering(label, asked):
    """A processor that records that it was asked and answers with a TXT `label`."""

    async def processor(query, *, src, dst):
        asked.append(label)
        reply = dns.message.make_response(query)
        reply.answer.append(
            dns.rrset.from_text(query.question[0].name, 60, "IN", "TXT", f'"{label}"')
        )
        return reply

    return processor


def silent(label, asked):
    """A processor that records that it was asked and has nothing to say (None)."""

    async def processor(query, *, src, dst):
        asked.append(label)

    return processor


async def ask(processor, name="www.example."):
    return await processor(dns.message.make_query(name, "TXT"), src=SRC, dst=DST)


async def test_first_answer_wins_and_later_ones_are_not_asked():
    asked = []
    reply = await ask(compose(silent("a", asked), answering("b", asked), answering("c", asked)))
    assert reply.answer[0][0].strings == (b"b",)
    assert asked == ["a", "b"]


async def test_nobody_answers_none():
    asked = []
    assert await ask(compose(silent("a", asked), silent("b", asked))) is None
    assert asked == ["a", "b"]
    assert await ask(compose()) is None


async def test_src_and_dst_reach_every_processor():
    seen = []

    async def spy(query, *, src, dst):
        seen.append((src, dst))

    await ask(compose(spy, spy))
    assert seen == [(SRC, DST), (SRC, DST)]


async def test_recursion_available_sets_ra_and_keeps_none():
    asked = []
    reply = await ask(recursion_available(answering("a", asked)))
    assert reply.flags & dns.flags.RA
    assert await ask(recursion_available(silent("b", asked))) is None
