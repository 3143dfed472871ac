"""Small helpers shared by part 3's tests."""

import dns.message

SRC = ("127.0.0.1", 40000)
DST = ("127.0.0.1", 8053)


async def ask(processor, name="www.example.", rdtype="A", **query_options):
    """Put a question to a processor directly, as the server would."""
    query = dns.message.make_query(name, rdtype, **query_options)
    return await processor(query, src=SRC, dst=DST)


def rrsets(reply):
    """The answer and authority sections as text, in order."""
    return [rrset.to_text() for section in (reply.answer, reply.authority) for rrset in section]
