"""Measure part 5's report cards and write them where docs/part5.md includes them.

    scripts/loopback-only .venv/bin/python scripts/part5_cards.py

Starts the lab, then part 4, unbound, dnsmasq and every lying resolver in
front of it, runs the card against each, and writes:

- docs/cards/grades.txt: one row per resolver, one column per check (a
  Markdown table, included in the page as it is);
- docs/cards/cards.txt: every card as `python -m part5_checkup` prints it.

tests/part5/test_cards.py runs the same measurement and fails when a grade
differs from what is committed here. Needs unbound and dnsmasq installed.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # the parts and lab/, then dnstest

from dnstest.report_cards import ALL, measure  # noqa: E402

from lab import Lab  # noqa: E402
from part5_checkup import CHECKS, Card, as_text  # noqa: E402

CARDS = REPO / "docs" / "cards"


# --8<-- [start:table]
def grades_table(cards: dict[str, Card]) -> str:
    """A Markdown table: a row per resolver, a column per check."""
    header = ["resolver", *(f"{c.number} {c.name}" for c in CHECKS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, card in cards.items():
        grades = card.grades()
        lines.append(f"| {name} | " + " | ".join(grades[c.name] for c in CHECKS) + " |")
    return "\n".join(lines) + "\n"
# --8<-- [end:table]


def read_grades_table(text: str) -> dict[str, dict[str, str]]:
    """The table back as {resolver: {check name: grade}}."""
    rows = [line.strip("| ").split(" | ") for line in text.splitlines() if line.startswith("|")]
    header, body = rows[0], rows[2:]
    names = [column.split(" ", 1)[1] for column in header[1:]]
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in body}


def main() -> None:
    logging.disable(logging.CRITICAL)  # the lab logs what the liars provoke
    with Lab.start() as net, tempfile.TemporaryDirectory() as workdir:
        cards = measure(net, Path(workdir), ALL)
    missing = set(ALL) - set(cards)
    if missing:
        sys.exit(f"not installed, so not measured: {', '.join(sorted(missing))}")
    CARDS.mkdir(exist_ok=True)
    (CARDS / "grades.txt").write_text(grades_table(cards))
    (CARDS / "cards.txt").write_text(
        "\n\n".join(f"# {name}\n{as_text(card)}" for name, card in cards.items()) + "\n")
    print((CARDS / "grades.txt").read_text())


if __name__ == "__main__":
    main()
