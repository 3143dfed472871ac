"""Find system tools (dig, nsd, ...) or skip the test that needs them.

On a developer's machine a missing tool skips the test with a reason. CI sets
DNS_TUTORIAL_REQUIRE_TOOLS=1, and there a missing tool fails the test instead,
so a green CI run really did compare against the real servers.
"""

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """Return the path of `name`, or skip (fail in CI) when it is not installed."""
    for directory in (None, "/usr/sbin", "/sbin"):
        path = shutil.which(name, path=directory)
        if path:
            return path
    message = f"{name} is not installed (apt-get install the package that provides it)"
    if os.environ.get("DNS_TUTORIAL_REQUIRE_TOOLS") == "1":
        pytest.fail(f"CI requires it: {message}", pytrace=False)
    pytest.skip(message)
