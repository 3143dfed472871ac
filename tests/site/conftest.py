"""Fixtures for the browser test: the built site, a web server for it on
loopback, and one headless Chromium driven by Playwright.

Playwright is pointed at Debian's Chromium (`executable_path`): its pip wheel
carries only the driver, and `playwright install`, which would download a
browser build of its own, is never run. Debian's package is the browser a
reader of the site is likely to have, and it gets security updates.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from dnstest.tools import require_tool

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site, built with --strict from the working tree.

    `make test` runs pytest before its own `mkdocs build`, so the test cannot
    count on site/ being there (or being fresh): it builds a copy of its own.
    """
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
         "--site-dir", str(site)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}",
                    pytrace=False)
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass   # the test reports failed requests itself, from the browser's side


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served over HTTP on 127.0.0.1, on a port the kernel picks."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# No sandbox (CI runs as root), nothing that phones home (no QUIC, no
# background updates, no sync), and --host-resolver-rules makes every host
# but 127.0.0.1 unreachable inside the browser itself, so a page that refers
# to a CDN fails here instead of reaching for the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


# Module scope, not session: Playwright's synchronous API runs an event loop
# of its own while the browser is open, and the asyncio tests of any module
# collected after this one could not start theirs.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = require_tool("chromium")
    if importlib.util.find_spec("playwright") is None:
        message = "playwright is not installed (pip install -e '.[test]')"
        if os.environ.get("DNS_TUTORIAL_REQUIRE_TOOLS") == "1":
            pytest.fail(f"CI requires it: {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
