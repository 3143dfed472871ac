"""Make a copy of the tutorial for students: no reference solutions, no history.

    make student-copy DEST=../dns-class        (or: python3 scripts/student_copy.py DEST)

Copies the files of this checkout's last commit (`git archive HEAD`: what is
committed, nothing of the working tree's own, no .venv) except
exercises/solutions/, into DEST, a folder that must not exist yet. DEST has
no .git: the solutions are in no history a student could clone. Put it in a
repository of its own (`git init`) to hand it out.

Grade what students hand back with `make grade` in *this* checkout: it
grades with the tests as committed here, not with the student's copy of them.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LEFT_OUT = "exercises/solutions/"


def committed_files() -> tarfile.TarFile:
    """This checkout's last commit, as a tar archive read into memory."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "HEAD"],
                             capture_output=True, check=True).stdout
    return tarfile.open(fileobj=io.BytesIO(archive))


def student_copy(dest: Path) -> int:
    """Write the copy into `dest`; the number of files written."""
    dest.mkdir(parents=True)
    written = 0
    with committed_files() as archive:
        for member in archive.getmembers():
            if member.name.startswith(LEFT_OUT) or not (member.isfile() or member.issym()):
                continue
            target = dest / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if member.issym():
                target.symlink_to(member.linkname)
            else:
                target.write_bytes(archive.extractfile(member).read())
                target.chmod(member.mode & 0o777)
            written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="the folder to create")
    args = parser.parse_args(argv)
    if args.dest.exists():
        parser.error(f"{args.dest} exists already: name a new folder")
    try:
        count = student_copy(args.dest)
    except subprocess.CalledProcessError as error:
        parser.error(f"not a git checkout, or git failed: {error.stderr.decode().strip()}")
    print(f"{count} files in {args.dest}: no exercises/solutions/, no git history")
    return 0


if __name__ == "__main__":
    sys.exit(main())
