"""Shared pieces of the viz tests: a small neuron graph, a clean engine environment, SVG text."""

import shutil
import xml.etree.ElementTree as ElementTree

import pytest

from tests.lecture import lecture_neuron
from tests.viz.browser import Tab, launch
from viz.engine import ENV_VAR, _script_dirs, find_engine

SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    """o = tanh(x1*w1 + x2*w2 + b) with every grad filled in; returns (o, {label: Value})."""
    o, values = lecture_neuron("o")
    o.backward()
    return o, {v.label: v for v in values}


def svg_texts(data) -> list:
    """Every <text> line of an SVG document (parsing it as XML, so a broken file fails here)."""
    root = ElementTree.fromstring(data)
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def svg_node_titles(data) -> list:
    """The DOT names of the drawn nodes, from each node group's <title>."""
    root = ElementTree.fromstring(data)
    return [group.find(f"{SVG}title").text for group in root.iter(f"{SVG}g") if group.get("class") == "node"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (playwright) for the session; skipped with the reason when there is none."""
    with launch() as running:
        yield running


@pytest.fixture
def chromium(browser):
    """A fresh 1280x720 tab in its own browser context."""
    tab = Tab(browser)
    yield tab
    tab.close()


@pytest.fixture
def bundled():
    """The graphviz-pure engine installed with gradwalk (the suite renders with it, not a system dot)."""
    for folder in _script_dirs():
        found = shutil.which("graphviz-pure", path=folder)
        if found:
            return find_engine(found)
    pytest.fail("graphviz-pure is not installed next to the interpreter; run `make .venv/.installed-test`")


@pytest.fixture
def no_engine_env(monkeypatch, tmp_path):
    """PATH with nothing on it, no GRADWALK_DOT and no scripts folders: no engine can be found."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr("viz.engine._script_dirs", lambda: [])
    return empty
