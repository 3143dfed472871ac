"""The grading itself: every exercise can fail, and can be solved.

A plain test run grades the reference solutions (the tests under partN/
pass, so each exercise is solvable). Here, `pytest --exercise partN` runs in
a subprocess against the untouched starting points, as a student's first
try would, and every exercise must fail there: an exercise that passes
before the student wrote a line grades nothing.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXERCISES = REPO / "exercises"
GRADING = Path(__file__).resolve().parent
PARTS = ("part1", "part2", "part3", "part4", "part5", "part6", "part7", "part8")


def grading_modules(part: str) -> dict[str, Path]:
    """Exercise name -> its grading test module (tests/exercises/partN/test_partN_NAME.py)."""
    prefix = f"test_{part}_"
    return {path.stem.removeprefix(prefix): path
            for path in sorted((GRADING / part).glob(f"{prefix}*.py"))}


@pytest.mark.parametrize("part", PARTS)
def test_each_part_has_three_exercises_with_a_start_and_a_solution(part: str) -> None:
    names = grading_modules(part)
    assert len(names) >= 3, f"{part} has exercises {sorted(names)}"
    for name in names:
        assert (EXERCISES / part / f"{name}.py").is_file(), f"no starting point for {name}"
        assert (EXERCISES / "solutions" / part / f"{name}.py").is_file(), \
            f"no reference solution for {name}"


@pytest.mark.parametrize("part", PARTS)
def test_untouched_starting_points_fail(part: str, tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--exercise", part, "-q", "-p", "no:cacheprovider",
         "-p", "no:nbmake",   # notebooks are not graded here, and its import is slow
         f"--junitxml={report}"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    # 1 is "some tests failed"; 2-5 would be a broken run, not a failing grade.
    assert result.returncode == 1, result.stdout + result.stderr

    outcomes: dict[str, list[str]] = defaultdict(list)
    for case in ElementTree.parse(report).iter("testcase"):
        module = case.get("classname", "")
        outcome = ("failed" if case.find("failure") is not None or case.find("error") is not None
                   else "skipped" if case.find("skipped") is not None else "passed")
        outcomes[module].append(outcome)
    # Only this part's grading tests ran...
    expected = {f"tests.exercises.{part}.{path.stem}" for path in grading_modules(part).values()}
    assert set(outcomes) == expected
    # ...and every exercise failed at least one of them.
    for module, results in outcomes.items():
        assert "failed" in results, f"{module} passes without any work: {results}"
