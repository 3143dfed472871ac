"""Load the version of an exercise that is being graded.

`pytest --exercise partN` grades the student's files in exercises/partN/;
a plain run grades the reference solutions in exercises/solutions/partN/.
The grading tests never import either directly: they ask the `exercise`
fixture, which loads the right file by its path.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
_loaded: dict[Path, ModuleType] = {}


def exercise_path(part: str, name: str, *, student: bool) -> Path:
    folder = EXERCISES / part if student else EXERCISES / "solutions" / part
    return folder / f"{name}.py"


def _load(path: Path) -> ModuleType:
    if path in _loaded:
        return _loaded[path]
    relative = path.relative_to(EXERCISES).with_suffix("")
    module_name = "graded_" + "_".join(relative.parts)
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module   # dataclasses and pickling look modules up here
    spec.loader.exec_module(module)
    _loaded[path] = module
    return module


@pytest.fixture
def exercise(request: pytest.FixtureRequest) -> Callable[[str], ModuleType]:
    """exercise("part2/whoami"): the module under grading, student's or solution."""
    graded_part = request.config.getoption("--exercise")

    def load(which: str) -> ModuleType:
        part, name = which.split("/")
        return _load(exercise_path(part, name, student=graded_part == part))

    return load
