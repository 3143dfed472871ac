"""The `--exercise` option of pytest, for the classroom exercises.

    pytest --exercise part2

grades the student's version of part 2's exercises (the files under
exercises/part2/) and runs nothing else. Without the option, the same grading
tests check the reference solutions (exercises/solutions/part2/), as part of
the whole suite, so every exercise is known to be solvable.

The option lives here, at the root of the repository, because pytest reads
command-line options only from the conftest files it meets first.
"""

from pathlib import Path

import pytest

PARTS = ("part1", "part2", "part3", "part4", "part5", "part6", "part7", "part8")
GRADING_TESTS = Path(__file__).parent / "tests" / "exercises"
SOLUTIONS = Path(__file__).parent / "exercises" / "solutions"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("exercises").addoption(
        "--exercise", choices=PARTS, metavar="PART",
        help="grade the student's exercises of PART (exercises/PART/) and run only "
             "those tests; without it the reference solutions are graded")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With --exercise, collect nothing but that part's grading tests.

    Without it, the grading tests check the reference solutions; a student's
    copy has none (scripts/student_copy.py), so there they are left out."""
    part = config.getoption("--exercise")
    if part is None:
        if not SOLUTIONS.is_dir() and (collection_path == GRADING_TESTS
                                       or GRADING_TESTS in collection_path.parents):
            return True
        return None
    graded = GRADING_TESTS / part
    inside = collection_path == graded or graded in collection_path.parents
    on_the_way = collection_path in graded.parents
    return None if inside or on_the_way else True
