"""A tiny Chrome DevTools Protocol client that talks to Chromium over a pipe.

`chromium --remote-debugging-pipe` reads protocol commands from file
descriptor 3 and writes replies and events to descriptor 4, each message a
JSON object ended by a NUL byte. Talking over a pipe needs no WebSocket
library and opens no debugging port, so nothing but the test can drive the
browser. The protocol itself is documented at
https://chromedevtools.github.io/devtools-protocol/.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Headless, no sandbox (CI runs as root), and nothing that phones home: no
# QUIC, no background updates, no sync. --host-resolver-rules makes every
# host but 127.0.0.1 unreachable inside the browser itself, so a page that
# refers to a CDN fails here instead of reaching for the network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-pipe",
)


class CdpError(Exception):
    """The browser answered a command with an error, or went away."""


class Browser:
    """One headless Chromium, driven over the DevTools pipe.

    Commands are sent with :meth:`send` and block until their reply. Events
    are kept in order in :attr:`events` (method, params, sessionId) for the
    test to inspect; :meth:`wait_for` blocks until a matching one arrives.
    """

    def __init__(self, executable: str, profile: Path, *, timeout: float = 20.0) -> None:
        self.timeout = timeout
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_pipes() -> None:   # runs in the child, before exec
            # Move both ends out of the way first: either may already be 3 or 4.
            reading, writing = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(reading, 3)   # dup2 makes the copy inheritable
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            # Not close_fds: it would close 3 and 4 after wire_pipes made them.
            # Python opens every other descriptor non-inheritable anyway.
            preexec_fn=wire_pipes, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def _read_loop(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._changed:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _wait(self, ready: Callable[[], Any], what: str, timeout: float | None) -> Any:
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._changed:
            while True:
                found = ready()
                if found is not None:
                    return found
                if self._closed:
                    raise CdpError(f"browser exited while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CdpError(f"timed out waiting for {what}")
                self._changed.wait(left)

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Send one command and return its result (raise CdpError on an error reply)."""
        with self._changed:
            self._next_id += 1
            command_id = self._next_id
        message: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda: self._replies.pop(command_id, None), method, timeout)
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def wait_for(self, method: str, predicate: Callable[[dict[str, Any]], bool] = bool, *,
                 after: int = 0, timeout: float | None = None) -> dict[str, Any]:
        """The first event `method` at index >= `after` whose params satisfy `predicate`."""
        def find() -> dict[str, Any] | None:
            for event in self.events[after:]:
                if event["method"] == method and predicate(event.get("params", {})):
                    return event
            return None
        return self._wait(find, method, timeout)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except CdpError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        self._reader.join(timeout=5)
        os.close(self._from_browser)
        if self.process.stderr is not None:
            self.process.stderr.close()


class Tab:
    """One page in the browser, with what it reported since it was opened."""

    def __init__(self, browser: Browser, *, width: int = 1280, height: int = 900) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})
        self.target_id = target["targetId"]
        self.session = browser.send("Target.attachToTarget",
                                    {"targetId": self.target_id, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self._first_event = len(browser.events)

    def send(self, method: str, params: dict[str, Any] | None = None, **kw: Any
             ) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session, **kw)

    def events(self, method: str) -> list[dict[str, Any]]:
        """The params of every `method` event this tab reported."""
        return [event.get("params", {}) for event in self.browser.events[self._first_event:]
                if event.get("sessionId") == self.session and event["method"] == method]

    def navigate(self, url: str, *, timeout: float = 20.0) -> None:
        """Open `url`, wait for its load event, then until no request is open.

        Scripts go on fetching after the load event (material's search index,
        a diagram renderer); waiting for them means their errors are seen.
        """
        mark = len(self.browser.events)
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CdpError(f"{url}: {result['errorText']}")
        self.browser.wait_for("Page.loadEventFired", after=mark, timeout=timeout,
                              predicate=lambda _params: True)
        deadline = time.monotonic() + timeout
        while open_requests := self.open_requests():
            if time.monotonic() > deadline:
                raise CdpError(f"{url}: requests still open: {open_requests}")
            self.next_frame()
        self.next_frame()

    def open_requests(self) -> list[str]:
        """URLs the page asked for and has not had an answer to yet.

        The script of a web worker (material's search runs in one) shows up
        here with no loaderId: its answer is reported to the worker, never
        to the page, so it is left out.
        """
        answered = {event["requestId"] for method in (
            "Network.responseReceived", "Network.loadingFinished", "Network.loadingFailed")
            for event in self.events(method)}
        return [event["request"]["url"] for event in self.events("Network.requestWillBeSent")
                if event["requestId"] not in answered and event.get("loaderId")]

    def next_frame(self) -> None:
        """Let the page run until it has drawn its next two frames."""
        self.evaluate("new Promise(done => requestAnimationFrame("
                      "() => requestAnimationFrame(() => done(true))))")

    def evaluate(self, expression: str, *, timeout: float | None = None) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in result:
            raise CdpError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, condition: str, *, timeout: float = 10.0, what: str = "") -> None:
        """Poll a JavaScript condition in the page until it holds."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise CdpError(f"timed out waiting for {what or condition}")
            self.next_frame()

    def screenshot(self, path: Path, *, full_page: bool = True, max_height: int = 8000) -> None:
        """A PNG of the whole page (cut at `max_height` pixels), or of what
        the window shows, written to `path`."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": int(metrics["width"]),
                              "height": min(int(metrics["height"]), max_height), "scale": 1}
        shot = self.send("Page.captureScreenshot", params)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target_id})
