"""Side by side with dig, against real authoritative servers (nsd and knot) on loopback.

For each question, `python -m part1_client ... +short` must print exactly what
`dig +short` prints, and the full outputs must carry the same header status,
flags and counts and the same records in each section.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from dnstest import peers
from dnstest.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
ZONE = Path(__file__).parent / "data" / "compare.test.zone"

QUESTIONS = [
    ("www.compare.test.", "A"),
    ("www.compare.test.", "AAAA"),
    ("compare.test.", "MX"),
    ("words.compare.test.", "TXT"),
    ("compare.test.", "NS"),
    ("compare.test.", "SOA"),
    ("alias.compare.test.", "A"),  # alias -> middle -> www: a CNAME chain
    ("multi.compare.test.", "A"),
    ("nope.compare.test.", "A"),  # NXDOMAIN
    ("www.compare.test.", "MX"),  # NODATA
]


@pytest.fixture(scope="module", params=["nsd", "knot"])
def server(request, tmp_path_factory):
    start = getattr(peers, request.param)
    with start({"compare.test.": ZONE}, tmp_path_factory.mktemp(request.param)) as address:
        yield address


def run(command):
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def dig(server, name, rdtype, *options):
    host, port = server
    return run([require_tool("dig"), f"@{host}", "-p", str(port), name, rdtype, *options])


def ours(server, name, rdtype, *options):
    host, port = server
    return run([sys.executable, "-m", "part1_client", name, rdtype, f"@{host}", "-p", str(port),
                *options])


def header(text):
    """The status and the flags/counts line, without the random ID."""
    status = re.search(r"^;; ->>HEADER<<- opcode: (\w+), status: (\w+), id: \d+$", text,
                       re.MULTILINE)
    flags = re.search(r"^;; flags: .*$", text, re.MULTILINE)
    return status.groups(), flags.group(0)


def sections(text):
    """{section name: set of records, each as its whitespace-separated fields}."""
    found, current = {}, None
    for line in text.splitlines():
        title = re.fullmatch(r";; (\w+) SECTION:", line)
        if title:
            current = found.setdefault(title.group(1), set())
        elif not line.strip() or line.startswith(";;"):
            current = None
        elif current is not None:
            current.add(tuple(line.lstrip(";").split()))
    return found


@pytest.mark.parametrize(("name", "rdtype"), QUESTIONS)
def test_short_output_is_digs(server, name, rdtype):
    assert ours(server, name, rdtype, "+short") == dig(server, name, rdtype, "+short")


@pytest.mark.parametrize(("name", "rdtype"), QUESTIONS)
def test_full_output_has_digs_records(server, name, rdtype):
    theirs, mine = dig(server, name, rdtype), ours(server, name, rdtype)
    assert header(mine) == header(theirs)
    assert sections(mine) == sections(theirs)
    # The parse saw every record the header counts (the OPT record aside).
    counts = [int(n) for n in re.findall(r"(?:ANSWER|AUTHORITY|ADDITIONAL): (\d+)", mine)]
    parsed = sections(mine)
    assert len(parsed["QUESTION"]) == 1
    assert sum(len(parsed.get(s, ())) for s in ("ANSWER", "AUTHORITY", "ADDITIONAL")) == (
        sum(counts) - 1)


def test_the_comparison_sees_a_chain_and_a_negative_answer(server):
    # Guard against a vacuous comparison: the zone really produced these.
    chain = dig(server, "alias.compare.test.", "A", "+short").split()
    assert chain == ["middle.compare.test.", "www.compare.test.", "127.0.0.80"]
    assert "status: NXDOMAIN" in dig(server, "nope.compare.test.", "A")
