"""Root hints: a missing or malformed file is one line naming the file and line."""

import pytest

from part8_recursive import RootHintsError, load_root_hints, parse_root_hints

GOOD = """; like named.root
.                        3600000      NS    A.ROOT-SERVERS.TEST.
A.ROOT-SERVERS.TEST.     3600000      A     127.0.0.2
A.ROOT-SERVERS.TEST.     3600000 IN   AAAA  ::1
"""


def test_reads_servers_and_addresses():
    hints = parse_root_hints(GOOD)
    assert [str(name) for name in hints.nameservers] == ["A.ROOT-SERVERS.TEST."]
    assert list(hints.addresses.values()) == [["127.0.0.2", "::1"]]


@pytest.mark.parametrize(("text", "message"), [
    (". NS a.root.\n\na.root. A 300.1.1.1\n", "hints:3: bad record 'A 300.1.1.1'"),
    (". NS a.root.\n", "hints:1: no A or AAAA record for a.root."),
    ("test. NS a.root.\na.root. A 127.0.0.2\n", "hints:1: an NS record for test."),
    (". SOA a. b. 1 2 3 4 5\n", "hints:1: a SOA record"),
    (". NS\n", "hints:1: expected OWNER [TTL] [CLASS] TYPE DATA"),
    ("; nothing\n", "hints: no NS record for the root"),
])
def test_a_malformed_file_names_the_file_and_line(text, message):
    with pytest.raises(RootHintsError) as raised:
        parse_root_hints(text, "hints")
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(RootHintsError, match=r"/nope\.hints: cannot read the root hints"):
        load_root_hints(tmp_path / "nope.hints")
