"""The report card against real resolvers in front of the lab: their true grades.

Every resolver's card is measured once per session (fixture `cards`): part 4,
unbound and dnsmasq as their own processes, and each lying resolver of the
gallery. The committed cards of docs/part5.md must show the same grades.
"""

import importlib.util
from pathlib import Path

import pytest
from dnstest.tools import require_tool

from part5_checkup import CHECKS, LIES

REPO = Path(__file__).resolve().parents[2]
EVERY_CHECK = {each.name for each in CHECKS}
# Not tested in the lab until part 7 signs it: the root has no DNSKEY.
UNSIGNED = {"dnssec"}
# What each lie must trip, and nothing else.
TRIPS = {
    "nxdomain-rewrite": {"nxdomain"},
    "hold-30-minutes": {"ttl"},
    "edns-drop": {"edns"},
    "edns-formerr": {"edns"},
    "no-tcp": {"tcp", "large"},
    "drop-unknown-types": {"types"},
    "strip-aaaa": {"types"},
    "intercept": {"interception"},
}


def grades(card, grade: str) -> set[str]:
    return {name for name, each in card.grades().items() if each == grade}


def test_every_lie_has_its_expected_failures():
    assert set(TRIPS) == set(LIES)


def test_part4_passes_every_check(cards):
    card = cards["part 4"]
    assert card.lab and card.answered
    assert grades(card, "FAIL") == set()
    assert grades(card, "WARN") == UNSIGNED
    assert grades(card, "PASS") == EVERY_CHECK - UNSIGNED
    # Part 1 draws each upstream query's source port from 1024-65535 (RFC 5452
    # s9.2), not from Linux's narrower 32768-60999: DNS-OARC's grade is GOOD.
    randomness = dict((c.name, r) for c, r in card.results)["randomness"]
    assert randomness.figures["port_grade"] == "GOOD"
    assert randomness.figures["id_grade"] == "GOOD"


def test_unbound_grades(cards, net):
    require_tool("unbound")
    if net.authority_port != 53:
        pytest.skip(f"the lab is on port {net.authority_port}: unbound recurses to port 53 "
                    "only (run in `make test`'s network namespace)")
    card = cards["unbound"]
    assert grades(card, "FAIL") == set()
    assert grades(card, "WARN") == UNSIGNED  # its own ports, from 1024-65535: GOOD
    assert grades(card, "PASS") == EVERY_CHECK - UNSIGNED


def test_dnsmasq_grades(cards):
    require_tool("dnsmasq")
    card = cards["dnsmasq"]
    assert grades(card, "FAIL") == set()
    assert grades(card, "WARN") == UNSIGNED | {"randomness"}


@pytest.mark.parametrize("lie", sorted(TRIPS))
def test_each_liar_fails_exactly_what_its_lie_trips(cards, lie):
    card = cards[lie]
    assert card.answered and card.lab
    evidence = {each.name: result.evidence for each, result in card.results}
    assert grades(card, "FAIL") == TRIPS[lie], evidence


def test_the_committed_cards_match_a_fresh_run(cards):
    require_tool("unbound")
    require_tool("dnsmasq")
    if "unbound" not in cards:
        pytest.skip("unbound could not reach the lab on port 53 (see test_unbound_grades)")
    script_path = REPO / "scripts" / "part5_cards.py"
    spec = importlib.util.spec_from_file_location("part5_cards", script_path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    committed = script.read_grades_table((REPO / "docs" / "cards" / "grades.txt").read_text())
    fresh = {name: card.grades() for name, card in cards.items()}
    assert committed == fresh, "run scripts/part5_cards.py and commit docs/cards/"
