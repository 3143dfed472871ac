"""The card as text (one line per check) and as JSON (documented, stable).

Exit codes of `python -m part5_checkup`:

    0  every check PASS or WARN
    1  at least one check FAIL
    2  a bad command line (argparse's usage message)
    3  the resolver did not answer at all, over UDP or TCP
"""

from __future__ import annotations

import json

from .card import Card, Grade

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_ANSWER = 3
# Bumped whenever a key is renamed or removed; new keys may appear meanwhile.
JSON_SCHEMA = "part5_checkup.card/1"


def exit_code(card: Card) -> int:
    if not card.answered:
        return EXIT_NO_ANSWER
    return EXIT_FAILED if card.failures else EXIT_OK


def verdict(card: Card) -> str:
    host, port = card.server
    if not card.answered:
        return (f"no answer from {host} port {port}, over UDP or TCP: "
                "is a resolver running there?")
    counts = {grade: sum(r.grade is grade for _, r in card.results) for grade in Grade}
    tally = f"{counts[Grade.PASS]} PASS, {counts[Grade.WARN]} WARN, {counts[Grade.FAIL]} FAIL"
    if card.failures:
        return f"{tally}: it lies or breaks on {', '.join(c.name for c in card.failures)}"
    return f"{tally}: no lie found"


# --8<-- [start:text]
def as_text(card: Card) -> str:
    if not card.answered:
        return f"Verdict: {verdict(card)}"  # one line, and no check to show
    host, port = card.server
    where = "reachable: the lab" if card.lab else "not reachable: real-Internet checks only"
    lines = [f"Report card for {host} port {port} (probe zone {card.probe_zone} {where})"]
    width = max((len(each.title) for each, _ in card.results), default=0)
    for each, result in card.results:
        lines.append(f"{each.number:2} {result.grade.value}  {each.title:<{width}}  "
                     f"{result.evidence}")
    lines.append(f"Verdict: {verdict(card)}")
    return "\n".join(lines)
# --8<-- [end:text]


# --8<-- [start:json]
def as_json(card: Card) -> str:
    """The card as JSON; docs/part5.md documents every key."""
    host, port = card.server
    document = {
        "schema": JSON_SCHEMA,
        "server": host,
        "port": port,
        "probe_zone": card.probe_zone,
        "lab": card.lab,
        "answered": card.answered,
        "checks": [
            {
                "number": each.number,
                "name": each.name,
                "title": each.title,
                "needs_lab": each.needs_lab,
                "grade": result.grade.value,
                "evidence": result.evidence,
                "figures": result.figures,
            }
            for each, result in card.results
        ],
        "verdict": verdict(card),
        "exit_code": exit_code(card),
    }
    return json.dumps(document, indent=2)
# --8<-- [end:json]
