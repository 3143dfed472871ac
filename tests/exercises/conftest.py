"""Load the version of an exercise that is being graded.

`pytest --exercise partN` grades the student's files in exercises/partN/;
a plain run grades the reference solutions in exercises/solutions/partN/.
The grading tests never import either directly: they ask the `exercise`
fixture, which loads the right file by its path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from exercise_files import EXERCISES, load_file


def exercise_path(part: str, name: str, *, student: bool) -> Path:
    folder = EXERCISES / part if student else EXERCISES / "solutions" / part
    return folder / f"{name}.py"


@pytest.fixture
def exercise(request: pytest.FixtureRequest) -> Callable[[str], ModuleType]:
    """exercise("part2/whoami"): the module under grading, student's or solution."""
    graded_part = request.config.getoption("--exercise")

    def load(which: str) -> ModuleType:
        part, name = which.split("/")
        return load_file(exercise_path(part, name, student=graded_part == part))

    return load
