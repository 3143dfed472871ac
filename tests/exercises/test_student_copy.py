"""What teachers hand out and how they grade (docs/teachers.md): a student copy
has no solutions and no history, and grading never uses the student's tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dnstest.tools import require_tool
from exercise_files import EXERCISES

REPO = EXERCISES.parent
SCRIPTS = REPO / "scripts"


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh student copy, made as `make student-copy` makes it."""
    require_tool("git")
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the copy is made from the last commit")
    dest = tmp_path_factory.mktemp("class") / "student"
    subprocess.run([sys.executable, SCRIPTS / "student_copy.py", dest], check=True,
                   capture_output=True, timeout=120)
    return dest


def committed() -> list[str]:
    return subprocess.run(["git", "-C", REPO, "ls-tree", "-r", "--name-only", "HEAD"],
                          capture_output=True, text=True,
                          check=True).stdout.splitlines()


def test_the_copy_has_everything_but_the_solutions(student: Path) -> None:
    files = committed()
    assert any(name.startswith("exercises/solutions/") for name in files)
    for name in files:
        assert (student / name).exists() == (not name.startswith("exercises/solutions/")), name
    assert not (student / "exercises" / "solutions").exists()
    assert not (student / ".git").exists()


def test_no_solution_hides_elsewhere_in_the_copy(student: Path) -> None:
    """No file of the copy has the bytes of a solution that differs from its
    starting point (a solution copied under another name would)."""
    solutions = {path.read_bytes() for path in (EXERCISES / "solutions").rglob("*")
                 if path.is_file() and "__pycache__" not in path.parts}
    starting = {path.read_bytes() for path in EXERCISES.rglob("*") if path.is_file()
                and "solutions" not in path.parts}
    leaked = [path for path in student.rglob("*") if path.is_file()
              and path.read_bytes() in solutions - starting]
    assert leaked == []


def grade(student: Path, *pytest_args: str) -> int:
    result = subprocess.run(
        [sys.executable, SCRIPTS / "grade.py", student, "part2",
         "tests/exercises/part2/test_part2_whoami.py", "-q", *pytest_args],
        capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode


def test_grading_ignores_the_students_tests(student: Path, tmp_path: Path) -> None:
    """A student who rewrites the tests to pass still fails; once the work is
    done (here: the reference solution handed in), the same grading passes."""
    work = tmp_path / "student"
    shutil.copytree(student, work)
    edited = work / "tests" / "exercises" / "part2" / "test_part2_whoami.py"
    edited.write_text("def test_whoami():\n    pass\n")
    (work / "conftest.py").write_text("")
    assert grade(work) == 1

    shutil.copyfile(EXERCISES / "solutions" / "part2" / "whoami.py",
                    work / "exercises" / "part2" / "whoami.py")
    assert grade(work) == 0
