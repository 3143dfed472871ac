"""The chain drawn on the part 7 page has the structure a fresh run draws."""

import re
from pathlib import Path

from part7_dnssec import read_trust_anchors
from part7_dnssec.chain import chain_of_trust, mermaid

DIAGRAM = Path(__file__).parents[2] / "docs" / "diagrams" / "part7_chain.mmd"


def masked(text: str) -> str:
    return re.sub(r"tag \d+", "tag N", text)   # keys, and so tags, are new each run


def test_the_committed_diagram_has_the_structure_of_a_fresh_one(signed_lab):
    links = chain_of_trust(signed_lab.upstream, read_trust_anchors(signed_lab.trust_anchor),
                           "www.example.test.", "A")
    assert masked(mermaid(links)) == masked(DIAGRAM.read_text()), (
        "regenerate it: python scripts/chain_diagram.py > docs/diagrams/part7_chain.mmd")


def test_each_zone_is_vouched_for_by_its_parent(signed_lab):
    links = chain_of_trust(signed_lab.upstream, read_trust_anchors(signed_lab.trust_anchor),
                           "www.example.test.", "A")
    digests = [link.lower.split("<br>")[0] for link in links if link.how == "digest matches"]
    assert digests == [". DNSKEY", "test. DNSKEY", "example.test. DNSKEY"]
