"""Trust-anchor files: read, or refused in one line that names the file and line."""

import subprocess
import sys

import dns.name
import dns.rdatatype
import pytest

from part7_dnssec import ROOT_ANCHORS, TrustAnchorError, parse_trust_anchors, read_trust_anchors

DS_LINE = ". 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"


def test_the_lab_anchor_is_the_root_ds(signed_lab):
    anchors = read_trust_anchors(signed_lab.trust_anchor)
    assert list(anchors) == [dns.name.root]
    assert anchors[dns.name.root].rdtype == dns.rdatatype.DS


def test_the_built_in_root_anchor_has_both_root_keys():
    tags = sorted(ds.key_tag for ds in parse_trust_anchors(ROOT_ANCHORS)[dns.name.root])
    assert tags == [20326, 38696]


def test_comments_blank_lines_and_short_forms_are_read():
    text = f"; the root\n\n{DS_LINE}\n. DS 38696 8 2 {'AB' * 32} ; KSK-2024\n"
    assert len(parse_trust_anchors(text)[dns.name.root]) == 2


@pytest.mark.parametrize(("text", "line", "words"), [
    (f"{DS_LINE}\n. 3600 IN DS 20326 8 2 XYZ\n", 2, "bad DS data"),
    (". 3600 IN A 192.0.2.1\n", 1, "DS or DNSKEY"),
    ("example 3600 IN DS 1 8 2 00\n", 1, "absolute"),
    ("; only a comment\n", None, "no DS or DNSKEY"),
])
def test_a_malformed_file_is_one_line_with_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "anchor"
    path.write_text(text)
    with pytest.raises(TrustAnchorError) as error:
        read_trust_anchors(path)
    message = str(error.value)
    assert message.startswith(f"{path}:{line}: " if line else f"{path}: ")
    assert words.lower() in message.lower() and "\n" not in message


def test_a_missing_file_stops_the_resolver_in_one_line(tmp_path):
    missing = tmp_path / "nowhere"
    done = subprocess.run([sys.executable, "-m", "part7_dnssec", "--upstream", "127.0.0.1:9",
                           "--trust-anchor", str(missing)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"error: {missing}: cannot read: No such file or directory"]
