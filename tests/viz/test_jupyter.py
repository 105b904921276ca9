"""viz.jupyter: the explorer inline and diagrams fitted to a notebook's output area, checked in Chromium."""

import re
from importlib.metadata import entry_points

import pytest

import viz
import viz.jupyter
from autograd import Value
from tests.viz.conftest import neuron
from tests.viz.test_html import HOSTILE, graph

OUTPUT = '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin: 0">' \
         '<div id="output" style="width: {width}px; padding: 0">{cells}</div></body></html>'


def test_the_engine_finds_the_display_functions_through_the_entry_point():
    found = [point for point in entry_points(group="gradwalk.drawing") if point.name == "viz"]
    assert len(found) == 1 and found[0].value == "viz.jupyter"
    module = found[0].load()
    for name in ("value_mimebundle", "stepper_mimebundle", "draw", "render", "to_html"):
        assert callable(getattr(module, name)), name


def test_a_values_svg_has_no_fixed_size_and_unique_ids(bundled, monkeypatch):
    monkeypatch.setenv("GRADWALK_DOT", bundled.path)
    o, _ = neuron()
    first, second = viz.jupyter.value_mimebundle(o), viz.jupyter.value_mimebundle(o)
    assert first["text/plain"] == repr(o)
    tag = re.search(r"<svg[^>]*>", first["text/html"]).group()
    assert not re.search(r'\s(width|height)="', tag) and "viewBox=" in tag and "width: 100%" in tag
    ids = lambda bundle: set(re.findall(r'\bid="([^"]+)"', bundle["text/html"]))  # noqa: E731
    assert ids(first) and not ids(first) & ids(second)  # two drawings in one notebook never share an id


def test_a_leaf_stepper_shows_as_text_and_bad_heights_are_named():
    x = Value(1.0, label="x")
    assert viz.jupyter.stepper_mimebundle(x.backward_steps()) == {"text/plain": repr(x.backward_steps())}
    y = x * 2.0
    for bad in (True, 100, 2.5, "400"):
        with pytest.raises(ValueError, match="height must be a whole number of pixels"):
            viz.explore(y, height=bad)


def test_the_explorer_frame_carries_the_whole_page_escaped(bundled):
    y, _ = graph(lambda text: text + HOSTILE)
    frame = viz.explore(y, engine=bundled)._repr_html_()
    assert frame.count("<") == 2 and frame.endswith("</iframe>")  # the page is all in one attribute
    page = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert "<" not in page and '"' not in page and "&lt;/script&gt;" in page


def test_the_diagram_fits_the_output_area_in_chromium(bundled, monkeypatch, chromium, tmp_path):
    monkeypatch.setenv("GRADWALK_DOT", bundled.path)
    o, _ = neuron()
    natural = float(re.search(r'width="([\d.]+)pt"', viz.draw(o).svg()).group(1)) * 4 / 3  # pt -> CSS px
    assert natural > 848  # wider than JupyterLab's output area, as drawn
    cells = viz.jupyter.value_mimebundle(o)["text/html"] + viz.draw(o)._repr_html_()
    (tmp_path / "out.html").write_text(OUTPUT.format(width=848, cells=cells), encoding="utf-8")
    chromium.open(tmp_path / "out.html")
    boxes = chromium.evaluate("""[...document.querySelectorAll("#output svg")].map((svg) => {
      const r = svg.getBoundingClientRect();
      const texts = [...svg.querySelectorAll("text")].map((t) => t.getBoundingClientRect());
      return [r.width, Math.max(...texts.map((t) => t.right)), texts.length]; })""")
    assert len(boxes) == 2
    for width, right, count in boxes:
        assert width <= 848 and right <= 848 and count > 0  # n, tanh and o are on screen


def test_two_explorers_in_one_page_step_only_when_focused(bundled, chromium, tmp_path):
    first, second = graph()[0].backward_steps(), neuron()[0].backward_steps()
    cells = viz.jupyter.stepper_mimebundle(first)["text/html"] + viz.explore(second, engine=bundled)._repr_html_()
    (tmp_path / "two.html").write_text(OUTPUT.format(width=860, cells=cells), encoding="utf-8")
    chromium.open(tmp_path / "two.html")
    frames = [chromium.page.frame_locator("iframe").nth(i) for i in range(2)]
    where = lambda f: int(f.locator("body").get_attribute("data-position"))  # noqa: E731
    frames[0].locator("#next").click()  # a click gives the first explorer the keys
    chromium.press("ArrowRight")
    assert [where(f) for f in frames] == [2, 0]
    frames[1].locator("#graph").click()  # clicking the second one's graph moves the keys there
    chromium.press("ArrowRight"), chromium.press("ArrowRight"), chromium.press("ArrowRight")
    assert [where(f) for f in frames] == [2, 3]
    steps = list(first)[:2]
    active = frames[0].locator("#graph g.node.active[data-grad] > title").text_content()
    assert active.startswith(steps[1].name + ": data")  # the highlight is on the node the stepper's step 2 names
    assert chromium.errors() == [] and chromium.refused == []


def test_a_stepper_part_way_through_opens_at_its_step(bundled, chromium, tmp_path):
    o, named = neuron()
    stepper = o.backward_steps()
    stepper.step(), stepper.step()
    during = {name: value.grad for name, value in named.items()}
    frame = viz.explore(stepper, engine=bundled)._repr_html_()
    assert stepper.position == 2 and {name: value.grad for name, value in named.items()} == during
    (tmp_path / "one.html").write_text(OUTPUT.format(width=860, cells=frame), encoding="utf-8")
    chromium.open(tmp_path / "one.html")
    explorer = chromium.page.frame_locator("iframe").first
    assert explorer.locator("body").get_attribute("data-position") == "2"
    explorer.locator("#next").click()
    step = stepper.step()
    assert explorer.locator("#graph g.node.active[data-grad] > title").text_content().startswith(step.name + ":")
    explorer.locator("#reset").click()
    assert explorer.locator("body").get_attribute("data-position") == "0"
