"""Headless Chromium for the browser tests, driven by playwright's sync API.

The browser is the system's Chromium ($CHROMIUM, else the first of NAMES on PATH),
launched with `executable_path`: `playwright install` downloads browsers, which a
closed network (and a reproducible CI) cannot do. Every page gets a fresh context of
1280x720 CSS pixels; requests to anything but file:, data: and about: are refused at
once and recorded, so a page that reaches for the network fails its test quickly.

    with launch() as browser:
        page = Tab(browser)
        page.open(Path("page.html"))
        page.press("ArrowRight")
"""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# No background traffic (the machine's network is closed; a request would hang or be refused).
FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars")
LOCAL = ("file:", "data:", "about:")


def find_chromium():
    """The path of a Chromium or Chrome executable ($CHROMIUM first, then PATH), or None."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def skip_or_fail(message: str):
    """Skip a browser test outside CI; in CI (CI=true) a missing browser is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def launch():
    """A headless playwright Browser on the system Chromium; skips (fails in CI) when there is none."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed; run `make .venv/.installed-test` to run the browser tests")
    executable = find_chromium()
    if executable is None:
        skip_or_fail(f"no Chromium executable found ($CHROMIUM, or {', '.join(NAMES)} on PATH); "
                     f"install Debian's chromium (apt-get install chromium) to run the browser tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=list(FLAGS))
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """One page of `width` x `height` in its own context, with the requests and errors it made recorded."""

    def __init__(self, browser, width: int = 1280, height: int = 720, scale: float = 1):
        self.context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.requested, self.refused, self.problems = [], [], []
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(message.text))
        self.context.route("**/*", self._local_only)

    def _local_only(self, route):
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    def open(self, path) -> None:
        """Load the file at `path` and wait for its load event; forget earlier requests and errors."""
        self.requested.clear(), self.refused.clear(), self.problems.clear()
        self.page.goto(Path(path).resolve().as_uri(), wait_until="load")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression (or function source) in the page."""
        return self.page.evaluate(expression)

    def press(self, key: str) -> None:
        """Press and release a key on the focused element, as a user would ('ArrowRight', ' ', '+', 'Home')."""
        self.page.keyboard.press("Space" if key == " " else key)

    def click(self, selector: str) -> None:
        """Click the middle of the element matching the CSS `selector` with the mouse."""
        self.page.click(selector)

    def screenshot(self, path) -> Path:
        """Save what the page shows as a PNG file at `path`."""
        self.page.screenshot(path=str(path))
        return Path(path)

    def requests(self) -> list:
        """The URLs of every request the page made since it was opened (refused ones included)."""
        return list(self.requested)

    def errors(self) -> list:
        """Uncaught exceptions and console errors since the page was opened, as text."""
        return list(self.problems)

    def close(self) -> None:
        self.context.close()
