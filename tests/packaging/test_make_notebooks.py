"""`make notebooks`: JupyterLab in .venv, serving docs/notebooks/ on 127.0.0.1.

The target installs JupyterLab on first use (the `notebooks` extra, stamp
.venv/.jupyterlab). Installing needs PyPI, which this test run (loopback only)
cannot reach: .ci/run makes the stamp before `make test`, and on a machine
where nobody ran `make notebooks` yet the test skips (fails in CI).

The test starts the target the way a reader does, with --no-browser and a
port the kernel picks, asks the server for its file list over loopback, and
stops it: it ends the process group it started, by its id.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from dnstest.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
TOKEN = "make-notebooks-test"


def jupyter_or_skip() -> Path:
    make = require_tool("make")
    # `make -q` answers without running anything: is the stamp up to date?
    up_to_date = subprocess.run([make, "-q", f"VENV={VENV}", f"{VENV}/.jupyterlab"],
                                cwd=REPO, capture_output=True).returncode == 0
    jupyter = VENV / "bin" / "jupyter"
    if not (up_to_date and jupyter.exists()):
        message = "JupyterLab is not installed in .venv: run `make notebooks` once"
        if os.environ.get("DNS_TUTORIAL_REQUIRE_TOOLS") == "1":
            pytest.fail(f"CI requires it: {message}", pytrace=False)
        pytest.skip(message)
    return jupyter


def file_list(port: int, output: list[str]) -> dict:
    """The server's list of files; it prints its address a moment before it
    accepts connections, so a refused one is tried again for a while."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/contents?token={TOKEN}", timeout=30) as reply:
                return json.load(reply)
        except OSError as error:
            if time.monotonic() > deadline:
                pytest.fail(f"{error}; JupyterLab said:\n{''.join(output)}")
            time.sleep(0.5)


def test_jupyterlab_is_installed() -> None:
    jupyter = jupyter_or_skip()
    version = subprocess.run([jupyter, "lab", "--version"], capture_output=True, text=True,
                             timeout=60, check=True).stdout.strip()
    assert re.fullmatch(r"[4-9]\.\d+\.\d+.*", version), version


def test_make_notebooks_serves_the_notebooks_on_loopback(tmp_path: Path) -> None:
    jupyter_or_skip()
    arguments = [f"--IdentityProvider.token={TOKEN}", "--no-browser", "--ServerApp.port=0"]
    if os.geteuid() == 0:
        arguments.append("--allow-root")   # CI runs as root; a reader does not
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    server = subprocess.Popen(
        ["make", "--no-print-directory", f"VENV={VENV}", "notebooks",
         f"JUPYTER_ARGS={' '.join(arguments)}"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout],
                     daemon=True).start()
    output = []
    try:
        while True:
            try:
                line = lines.get(timeout=120)
            except queue.Empty:
                pytest.fail("JupyterLab did not start in 2 minutes:\n" + "".join(output))
            output.append(line)
            found = re.search(r"http://([\d.]+):(\d+)/lab", line)
            if found:
                break
        host, port = found.groups()
        assert host == "127.0.0.1", "".join(output)
        listing = file_list(int(port), output)
    finally:
        os.killpg(server.pid, signal.SIGTERM)   # make and the server it started
        server.wait(timeout=30)
    names = {item["name"] for item in listing["content"]}
    assert {"part1.ipynb", "part2.ipynb", "part3.ipynb", "part4.ipynb"} <= names
