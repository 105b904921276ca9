"""Headless Chromium driven over the DevTools protocol, with the standard library only.

Chromium's ``--remote-debugging-pipe`` reads protocol commands from file descriptor 3
and writes replies and events to descriptor 4, each message JSON ending in a NUL
byte, so no port, WebSocket client or browser download is needed.

    with Chromium(find_chromium()) as browser:
        browser.open(Path("page.html").as_uri())
        browser.press("ArrowRight")
        browser.screenshot("page.png")
"""

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars")
KEYS = {  # key -> (code, Windows virtual key code, text typed)
    "ArrowRight": ("ArrowRight", 39, ""), "ArrowLeft": ("ArrowLeft", 37, ""), " ": ("Space", 32, " "),
    "Home": ("Home", 36, ""), "End": ("End", 35, ""), "Enter": ("Enter", 13, "\r"),
    "+": ("NumpadAdd", 107, "+"), "-": ("Minus", 189, "-"), "0": ("Digit0", 48, "0"),
}


class BrowserError(RuntimeError):
    """Chromium failed to start, died, timed out, or reported an error for a command."""


def find_chromium():
    """The path of a Chromium or Chrome executable ($CHROMIUM first, then PATH), or None."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured
    return next((found for name in NAMES if (found := shutil.which(name))), None)


class Chromium:
    """One headless browser with one page of `width` x `height` CSS pixels; use it as a context manager."""

    def __init__(self, executable: str, width: int = 1280, height: int = 720, timeout: float = 30.0):
        self.timeout = timeout
        self.events = []  # every protocol event received, as (method, params)
        self._profile = tempfile.mkdtemp(prefix="gradwalk-chromium-")
        self._buffer = b""
        self._next_id = 0
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()
        self._stderr = tempfile.TemporaryFile()

        def give_pipes():  # in the child: the protocol's descriptors 3 and 4 (copied first: a pipe may be 3 or 4)
            reading, writing = os.dup(to_browser), os.dup(from_browser)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        try:
            self._process = subprocess.Popen(
                [executable, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile}",
                 f"--window-size={width},{height}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
                close_fds=False, preexec_fn=give_pipes)
        except OSError as error:
            self._cleanup()
            raise BrowserError(f"could not start {executable}: {error}") from None
        finally:
            os.close(to_browser)
            os.close(from_browser)
        try:
            target = self.send("Target.createTarget", url="about:blank")["targetId"]
            self._session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Network"):
                self.send(f"{domain}.enable")
            self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
        except BaseException:
            self.close()
            raise

    # -- the protocol ---------------------------------------------------------
    def send(self, method: str, **params) -> dict:
        """Send one command (to the page once attached) and return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if getattr(self, "_session", None):
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append((reply["method"], reply.get("params", {})))

    def _read(self, deadline: float) -> dict:
        """The next message from the browser; BrowserError when it dies or `deadline` passes."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise BrowserError(f"Chromium did not answer within {self.timeout} s")
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise BrowserError(f"Chromium exited (code {self._process.poll()}): {self._stderr_tail()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method: str) -> dict:
        """Wait for the next event named `method` (one already received counts) and return its params."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, (name, params) in enumerate(self.events):
                if name == method:
                    del self.events[i]
                    return params
            message = self._read(deadline)
            if "method" in message:
                self.events.append((message["method"], message.get("params", {})))

    # -- what the tests do ------------------------------------------------------
    def open(self, url: str) -> None:
        """Load `url` and wait until its load event has fired."""
        self.events.clear()
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"could not open {url}: {result['errorText']}")
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-like values); BrowserError if it throws."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression!r} threw: {details.get('exception', {}).get('description', details)}")
        return result["result"].get("value")

    def press(self, key: str) -> None:
        """Press and release a key as a user would: one of KEYS (ArrowRight, ArrowLeft, ' ', Home, End, +, ...)."""
        code, virtual, text = KEYS[key]
        common = dict(key=key, code=code, windowsVirtualKeyCode=virtual, nativeVirtualKeyCode=virtual)
        self.send("Input.dispatchKeyEvent", type="keyDown" if text else "rawKeyDown", text=text, **common)
        self.send("Input.dispatchKeyEvent", type="keyUp", **common)

    def click(self, selector: str) -> None:
        """Click the middle of the element matching the CSS `selector` with the mouse."""
        box = self.evaluate(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                            f".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def screenshot(self, path) -> Path:
        """Save what the page shows as a PNG file at `path`."""
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path = Path(path)
        path.write_bytes(base64.b64decode(data))
        return path

    def requests(self) -> list:
        """The URLs of every network request the page made since it was opened."""
        return [params["request"]["url"] for name, params in self.events if name == "Network.requestWillBeSent"]

    def errors(self) -> list:
        """Uncaught exceptions and console errors since the page was opened, as text."""
        found = []
        for name, params in self.events:
            if name == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(details.get("exception", {}).get("description") or details.get("text"))
            elif name == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", ())))
        return found

    # -- shutting down ------------------------------------------------------------
    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-2000:].strip() or "(nothing on stderr)"

    def close(self) -> None:
        """Stop the browser and delete its profile."""
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            try:
                os.write(self._commands, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        for fd in (getattr(self, "_commands", None), getattr(self, "_replies", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._commands = self._replies = None
        self._stderr.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
