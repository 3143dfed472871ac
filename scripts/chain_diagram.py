"""Draw the chain of trust of a real answer, from the signed lab's fresh keys.

    .venv/bin/python scripts/chain_diagram.py > docs/diagrams/part7_chain.mmd

Starts the signed lab (new keys each time), walks the chain behind
www.example.test. A with part7_dnssec.chain (checking every link), and
prints it as a mermaid flowchart. docs/part7.md includes the file;
tests/part7/test_chain.py checks that a fresh run has the same structure
(key tags change with every run, so it compares with the tags masked).
"""

import sys

from lab import Lab
from part7_dnssec import read_trust_anchors
from part7_dnssec.chain import chain_of_trust, mermaid

NAME, TYPE = "www.example.test.", "A"


def diagram() -> str:
    with Lab.start(signed=True) as net:
        links = chain_of_trust(net.upstream, read_trust_anchors(net.trust_anchor), NAME, TYPE)
    return mermaid(links)


if __name__ == "__main__":
    sys.stdout.write(diagram())
