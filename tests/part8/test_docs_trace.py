"""The trace on the part 8 page (docs/examples/part8-trace.txt) is what --trace prints today.

It is run against the lab, as a reader would. Times differ from run to run,
and so do two things chosen at random: which of example.test's two servers
is asked, and the order of its NS records. Those are evened out before the
comparison; everything else must match line for line.

    DNS_WRITE_TRACE=1 pytest tests/part8/test_docs_trace.py

writes the file again after a deliberate change.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lab import Lab

REPO = Path(__file__).resolve().parents[2]
PAGE_TRACE = REPO / "docs" / "examples" / "part8-trace.txt"


def normalised(text: str) -> list[list[str]]:
    text = re.sub(r"in \d+\.\d ms", "in 0.5 ms", text)
    text = re.sub(r"root hints in \S+", "root hints in root.hints", text)
    text = text.replace("127.0.0.5", "127.0.0.4").replace("ns2.example", "ns1.example")
    return [sorted(block.splitlines()) for block in text.split("\n\n")]


def test_the_pages_trace_is_todays():
    with Lab.start() as net:
        if net.authority_port != 53:
            pytest.skip("the page shows the lab on port 53, as in make test's namespace")
        run = subprocess.run(
            [sys.executable, "-m", "part8_recursive", "--root-hints", str(net.root_hints),
             "--trace", "www.example.test"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    if os.environ.get("DNS_WRITE_TRACE"):
        text = re.sub(r"root hints in \S+", "root hints in root.hints", run.stdout)
        PAGE_TRACE.write_text(text)
    assert normalised(run.stdout) == normalised(PAGE_TRACE.read_text())
