"""docs/explore-backprop.ipynb as a reader meets it: executed by a real kernel, exported to HTML, stepped in Chromium."""

import re
from pathlib import Path

import pytest

from autograd import topological_order
from tests.viz.browser import skip_or_fail
from tests.viz.conftest import neuron
from tests.viz.notebooks import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "explore-backprop.ipynb"


def jupyter():
    """nbformat, nbclient and nbconvert, or a skip (a failure in CI) naming what to install."""
    try:
        import nbclient
        import nbconvert
        import nbformat
    except ImportError as error:
        skip_or_fail(f"{error.name} is not installed; run `make .venv/.installed-test` to run the notebook tests")
    return nbformat, nbclient, nbconvert


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after a kernel on this interpreter (ipykernel) ran every cell, and its nbconvert HTML."""
    jupyter()
    return run_notebook(NOTEBOOK, tmp_path_factory.mktemp("notebook"))


def test_the_notebook_is_committed_without_outputs():
    nbformat, _, _ = jupyter()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)


def outputs(notebook, source_part):
    """The outputs of the one code cell whose source contains `source_part`."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "code" and source_part in cell.source]
    assert len(cells) == 1, source_part
    return cells[0].outputs


def test_every_cell_runs_quietly_and_the_progress_bar_is_saved_finished(executed):
    notebook, _ = executed
    streams = [out for cell in notebook.cells for out in cell.get("outputs", []) if out.output_type == "stream"]
    assert [out.text for out in streams if out.name == "stderr"] == []  # no "IProgress not found"
    bars = [out for out in outputs(notebook, "nn.fit(") if "text/html" in out.get("data", {})]
    assert len(bars) == 1  # one output, updated in place
    assert re.search(r"100%.*50/50", bars[0].data["text/html"])
    assert "application/vnd.jupyter.widget-view+json" not in bars[0].data


def test_the_explorer_is_one_self_contained_frame_per_call(executed):
    notebook, _ = executed
    for source in ("viz.explore(o)", 'collapse="neuron"'):
        shown = [out for out in outputs(notebook, source) if "text/html" in out.get("data", {})]
        assert len(shown) == 1
        frame = shown[0].data["text/html"]
        assert frame.startswith('<iframe class="gradwalk-explorer" srcdoc=') and "default-src &#x27;none&#x27;" in frame
        assert set(re.findall(r"https?://[^\s&\"]+", frame)) <= {"http://www.w3.org/2000/svg",
                                                                 "http://www.w3.org/1999/xlink"}


def test_the_exported_html_steps_in_chromium_as_the_stepper_says(executed, chromium, tmp_path):
    _, page = executed
    chromium.open(page)
    explorer = chromium.page.frame_locator("iframe.gradwalk-explorer").first
    o, named = neuron()
    for value in named.values():
        value.grad = 0.0
    stepper = o.backward_steps()
    shown = """[...document.querySelectorAll("#graph g.node[data-grad]")].map((g) =>
      [g.querySelector("title").textContent.split(": data ")[0], g.getAttribute("data-grad")])"""
    body = explorer.locator("body")
    for k in range(1, len(stepper) + 1):
        explorer.locator("#next").click()
        step = stepper.step()
        assert body.get_attribute("data-position") == str(k)
        active = explorer.locator("#graph g.node.active[data-grad] > title").text_content()
        assert active.split(": data ")[0] == step.name  # the highlight is on the node the stepper steps
        grads = dict(explorer.locator("#graph").evaluate(f"() => {shown}"))
        assert {name: float(exact) for name, exact in grads.items()} == {
            stepper.names[value]: value.grad for value in topological_order(o)}
        if k == 1:
            chromium.screenshot(tmp_path / "step1.png")
    # nbconvert's page asks for require.js and MathJax from a CDN, refused here; the explorer asks for nothing.
    assert all("/require.js/" in url or "/mathjax/" in url for url in chromium.refused), chromium.refused
    assert [e for e in chromium.errors() if "net::ERR_FAILED" not in e] == []
