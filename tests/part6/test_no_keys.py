"""No private key is ever committed: the lab, the tests and the bench make theirs."""

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MARKER = "PRIVATE" + " KEY-----"  # spelled in two pieces, so this file does not match


def test_no_private_key_in_the_repository():
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    found = subprocess.run([git, "grep", "-l", "-F", MARKER], cwd=REPO,
                           capture_output=True, text=True)
    if found.returncode > 1:  # git itself failed (an unsafe directory, say)
        pytest.skip(f"git grep failed: {found.stderr.strip()}")
    # git grep: 1 is "nothing found", 0 is "found".
    assert found.returncode == 1, f"private keys committed in: {found.stdout}"
