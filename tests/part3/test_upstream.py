"""parse_upstream: the HOST[:PORT] forms people write, and the mistakes they make."""

import pytest

from part3_forwarder.upstream import Upstream, parse_upstream


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", Upstream("127.0.0.1", 53)),
        ("127.0.0.1:5353", Upstream("127.0.0.1", 5353)),
        ("::1", Upstream("::1", 53)),
        ("[::1]", Upstream("::1", 53)),
        ("[::1]:53", Upstream("::1", 53)),
        ("[2001:db8::1]:8053", Upstream("2001:db8::1", 8053)),
        ("2001:db8::1", Upstream("2001:db8::1", 53)),
        ("fe80::1%eth0", Upstream("fe80::1%eth0", 53)),
        (" 192.0.2.1 ", Upstream("192.0.2.1", 53)),
    ],
)
def test_forms_people_write(text, expected):
    assert parse_upstream(text) == expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("dns.example", "must be an IP address"),
        ("127.0.0.1:", "port must be a number"),
        ("127.0.0.1:0", "port must be a number"),
        ("127.0.0.1:65536", "port must be a number"),
        ("127.0.0.1:dns", "port must be a number"),
        ("[::1", "[ADDRESS]:PORT"),
        ("[::1]53", "[ADDRESS]:PORT"),
        ("0.0.0.0", "any address"),
        ("[::]:53", "any address"),
        ("", "must be an IP address"),
    ],
)
def test_mistakes_get_a_reason(text, complaint):
    with pytest.raises(ValueError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        parse_upstream(text)


def test_written_back_the_way_it_is_read():
    assert str(parse_upstream("[::1]:5353")) == "[::1]:5353"
    assert str(parse_upstream("127.0.0.1")) == "127.0.0.1:53"
    assert parse_upstream(str(parse_upstream("::1"))) == Upstream("::1", 53)
