"""Part 5: is my resolver lying? A report card for any resolver, and the liars it catches."""

from . import checks  # noqa: F401  (registers the ten checks on the card)
from .asking import Exchange, ask_tcp, ask_udp
from .card import CHECKS, Card, Check, Context, Grade, Result, run_card
from .liar import honest_resolver, lying_resolver
from .lies import LIES, Lie
from .report import EXIT_FAILED, EXIT_NO_ANSWER, EXIT_OK, EXIT_USAGE, as_json, as_text, exit_code
from .spread import spread_grade

__all__ = [
    "CHECKS",
    "EXIT_FAILED",
    "EXIT_NO_ANSWER",
    "EXIT_OK",
    "EXIT_USAGE",
    "LIES",
    "Card",
    "Check",
    "Context",
    "Exchange",
    "Grade",
    "Lie",
    "Result",
    "as_json",
    "as_text",
    "ask_tcp",
    "ask_udp",
    "exit_code",
    "honest_resolver",
    "lying_resolver",
    "run_card",
    "spread_grade",
]
