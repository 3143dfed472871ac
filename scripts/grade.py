"""Grade a student's exercises of one part with the tests as committed here.

    make grade STUDENT=../alice PART=part2    (or: python scripts/grade.py ../alice part2)

A student's copy holds the grading tests too, and a student can edit them.
So this never runs the student's tests: it builds the grading tree in a
temporary folder from this checkout's last commit (`git archive HEAD`: the
tests as handed out, whatever anyone's working tree did to them), without the
reference solutions, and puts into it only the student's work: the files of
the student's exercises/PART/ that the reference solution also has (the
starting points and, for part 2, its zone file). Then it runs
`pytest --exercise PART` there and exits with pytest's code: 0 when every
test passed, 1 when one failed.

Extra arguments go to pytest (a test file to grade one exercise, -q, ...).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from student_copy import REPO, student_copy

# The parts that have exercises: those with reference solutions.
PARTS = sorted(path.name for path in (REPO / "exercises" / "solutions").iterdir()
               if path.is_dir())


def student_work(part: str) -> list[Path]:
    """What a student writes for `part`: the files its reference solution has."""
    solutions = REPO / "exercises" / "solutions" / part
    return sorted(path.relative_to(solutions) for path in solutions.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts)


def grade(student: Path, part: str, pytest_args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="dns-grade-") as temporary:
        tree = Path(temporary) / "graded"
        student_copy(tree)
        for relative in student_work(part):
            handed_in = student / "exercises" / part / relative
            if handed_in.is_file():
                shutil.copyfile(handed_in, tree / "exercises" / part / relative)
            else:
                print(f"grade: {handed_in} is missing: graded as handed out", file=sys.stderr)
        return subprocess.run(
            [sys.executable, "-m", "pytest", "--exercise", part, "-p", "no:cacheprovider",
             "-p", "no:nbmake", *pytest_args], cwd=tree).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("student", type=Path, help="the student's copy of the tutorial")
    parser.add_argument("part", choices=PARTS)
    args, pytest_args = parser.parse_known_args(argv)
    if not (args.student / "exercises" / args.part).is_dir():
        parser.error(f"{args.student} has no exercises/{args.part}/")
    return grade(args.student.resolve(), args.part, pytest_args)


if __name__ == "__main__":
    sys.exit(main())
