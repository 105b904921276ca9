"""Screenshot of the explorer inline, for the README: run docs/explore-backprop.ipynb, export it, step it in Chromium.

    python docs/notebook_image.py docs/images/notebook_explorer.png

The notebook runs on a kernel of this interpreter (nbclient), nbconvert turns it into
the HTML page a reader would get, and headless Chromium (playwright, on the system's
Chromium) clicks Next twice in the first explorer and photographs that output.
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.viz.browser import FLAGS, LOCAL, find_chromium  # noqa: E402  (one list of browser flags)
from tests.viz.notebooks import run_notebook  # noqa: E402
from viz.engine import write_atomic  # noqa: E402

NOTEBOOK = ROOT / "docs" / "explore-backprop.ipynb"


def screenshot(page: Path, target: Path, steps: int = 2) -> Path:
    """Click Next `steps` times in the page's first explorer and save that output as a PNG at `target`."""
    executable = find_chromium()
    if executable is None:
        raise SystemExit("no Chromium found: install Debian's chromium or set $CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=list(FLAGS))
        context = browser.new_context(viewport={"width": 1000, "height": 900}, device_scale_factor=1.5)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL)
                      else route.abort())
        tab = context.new_page()
        tab.goto(page.as_uri(), wait_until="load")
        explorer = tab.frame_locator("iframe.gradwalk-explorer").first
        for _ in range(steps):
            explorer.locator("#next").click()
        tab.wait_for_timeout(600)  # the view's glide to the step ends
        frame = tab.locator("iframe.gradwalk-explorer").first
        frame.scroll_into_view_if_needed()
        picture = frame.screenshot(animations="disabled")  # the same bytes on every run
        browser.close()
    return write_atomic(target, picture)


def main(argv) -> int:
    if len(argv) != 1 or not argv[0].endswith(".png"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    target = Path(argv[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        _, page = run_notebook(NOTEBOOK, Path(folder))
        print(screenshot(page, target))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
