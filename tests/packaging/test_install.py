"""The project installs on a bare Python without a compiler.

A class board (a Raspberry Pi, say) gets the project with `pip install`; no
C compiler, no wheel built for its platform. So the project and everything
it needs must be pure Python, and the optional speed-up (uvloop, the `fast`
extra) must stay optional.

The test runs where only loopback exists, so it cannot reach a package
index. It installs from a wheelhouse instead: `make` downloads the wheels of
the dependencies into .cache/wheelhouse when it installs the project (as
`pip download`, while the network is there), and the test builds the
project's own wheel from the working tree, creates a fresh virtualenv and
installs into it with `--no-index`: nothing comes from anywhere else.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import dns.message
import dns.query
import pytest
from dnstest.peers import free_port

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cache" / "wheelhouse"


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIP_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    if not any(WHEELHOUSE.glob("dnspython-*.whl")):
        message = (f"no dnspython wheel in {WHEELHOUSE.relative_to(REPO)}: `make` fills it "
                   "(pip download dnspython setuptools) while the network is there")
        if os.environ.get("DNS_TUTORIAL_REQUIRE_TOOLS") == "1":
            pytest.fail(f"CI requires it: {message}", pytrace=False)
        pytest.skip(message)
    return WHEELHOUSE


@pytest.fixture(scope="module")
def project_wheel(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of the working tree (a build
    leaves build/ and *.egg-info behind) in an isolated build environment
    whose setuptools comes from the wheelhouse."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in [*REPO.glob("part[0-9]_*"), REPO / "lab"]:
        if (package / "__init__.py").is_file():
            # Symbolic links (lab/zones/home.lan.zone) are copied as the files they name.
            shutil.copytree(package, source / package.name,
                            ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index",
        "--find-links", wheelhouse, "--wheel-dir", out, source)
    (wheel,) = out.glob("running_your_own_dns_resolver-*.whl")
    return wheel


@pytest.fixture(scope="module")
def fresh_venv(project_wheel: Path, wheelhouse: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with the project installed as a user would: not
    editable, without extras, dependencies resolved from the wheelhouse."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", wheelhouse,
        project_wheel)
    return venv


def site_packages(venv: Path) -> Path:
    (path,) = venv.glob("lib/python3*/site-packages")
    return path


def test_the_project_wheel_is_pure_python(project_wheel: Path) -> None:
    assert project_wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(project_wheel) as wheel:
        names = wheel.namelist()
        metadata = next(name for name in names if name.endswith(".dist-info/WHEEL"))
        assert "Root-Is-Purelib: true" in wheel.read(metadata).decode()
    for package in ("part1_client", "part2_server", "part3_forwarder", "part4_cache",
                    "part5_checkup", "part6_encrypted", "part8_recursive", "lab"):
        assert f"{package}/__init__.py" in names
    for zone in (REPO / "lab" / "zones").glob("*.zone"):
        assert f"lab/zones/{zone.name}" in names
    assert not [name for name in names if name.endswith((".so", ".pyd", ".c"))]


def test_no_compiled_file_is_installed(fresh_venv: Path) -> None:
    compiled = [path.relative_to(site_packages(fresh_venv))
                for path in site_packages(fresh_venv).rglob("*")
                if path.suffix in (".so", ".pyd") and not path.is_relative_to(
                    site_packages(fresh_venv) / "pip")]
    assert compiled == []


def test_only_pure_distributions_are_installed(fresh_venv: Path) -> None:
    installed = {}
    for wheel_file in site_packages(fresh_venv).glob("*.dist-info/WHEEL"):
        text = wheel_file.read_text()
        installed[wheel_file.parent.name.split("-")[0].lower()] = text
    assert "uvloop" not in installed          # the `fast` extra stays optional
    assert {"dnspython", "running_your_own_dns_resolver"} <= set(installed)
    for name, text in installed.items():
        if name == "pip":
            continue   # the venv's own installer, not ours
        assert "Root-Is-Purelib: true" in text, name
        assert "Tag: py3-none-any" in text, name


def test_the_resolver_runs_from_the_fresh_venv(fresh_venv: Path) -> None:
    python = fresh_venv / "bin" / "python"
    for part in ("part1_client", "part2_server", "part3_forwarder", "part4_cache",
                 "part5_checkup", "part5_checkup.liar",
                 "part6_encrypted", "part8_recursive"):   # part 6 runs without its extras
        result = run(python, "-m", part, "--help", cwd=fresh_venv)   # not the repo: no leaks
        assert "usage:" in result.stdout
    result = run(python, "-c", "import part4_cache, dns; print(part4_cache.__file__)",
                 cwd=fresh_venv)
    assert result.stdout.strip().startswith(str(site_packages(fresh_venv)))


def test_the_lab_runs_from_the_fresh_venv(fresh_venv: Path) -> None:
    """`pip install .` then `python -m lab`: the zones travel inside the package."""
    python = fresh_venv / "bin" / "python"
    port = free_port()
    lab = subprocess.Popen([python, "-m", "lab", "--port", str(port)], cwd=fresh_venv,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in lab.stdout:
            if "Ctrl-C stops everything." in line:
                break
        else:
            raise AssertionError("python -m lab stopped before it was ready")
        for name, expected in (("nas.home.lan.", "192.168.1.10"),
                               ("www.example.test.", "192.0.2.10")):
            reply = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port,
                                  timeout=5)
            assert expected in reply.to_text(), reply
        lab.send_signal(signal.SIGINT)
        assert lab.wait(timeout=10) == 0
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait()
