"""viz.to_html: the self-contained backprop explorer, checked as a file and in a real headless Chromium."""

import json
import re
import shutil
import struct
import time

import pytest

import nn
import viz
from tests.viz.browser import Tab
from autograd import Value
from viz.html import script_json
from viz.labels import format_number

HOSTILE = '</script><script>window.pwned = 1</script><!-- <img src="x" onerror="window.pwned = 2"> & "\u2028'


def graph(label=str):
    """y = tanh((a*a + a*b) / c)^2 + exp(c): a repeated operand, unary, binary and constant-power steps."""
    a, b, c = Value(1.5, label=label("a")), Value(-2.0, label=label("b")), Value(0.5, label=label("c"))
    named = {}

    def name(value, text):
        value.label = label(text)
        named[text] = value
        return value

    s = name(name(a * a, "aa") + name(a * b, "ab"), "s")
    t = name(name(s / c, "d").tanh(), "t")
    y = name(name(t ** 2, "p") + name(c.exp(), "e"), "y")
    named.update(a=a, b=b, c=c)
    return y, named


def expected_grads() -> dict:
    """The oracle: backward() on a fresh copy of the graph, by label."""
    y, named = graph()
    y.backward()
    return {text: value.grad for text, value in named.items()}


def page_data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="steps">(.*?)</script>', text, re.S).group(1)
    return json.loads(block)


def grads_after_each_frame(data) -> list:
    """Every node's grad (exact repr) in every state, from the changes each state lists."""
    grads, states = {}, []
    for frame in data["frames"]:
        grads = {**grads, **{i: exact for i, _, exact in frame["grads"]}}
        states.append(grads)
    return states


# -- the file ------------------------------------------------------------------------------------------------
def test_one_file_with_everything_inlined_and_no_way_to_reach_the_network(tmp_path, bundled):
    y, _ = graph()
    path = viz.to_html(y, tmp_path / "backprop.html", engine=bundled)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") == 1
    assert "default-src 'none'" in text  # the page's CSP forbids every request
    for outside in ("<link", "src=", "href=", "@import", "url(", "@font-face"):
        assert outside not in text
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {"http://www.w3.org/2000/svg",
                                                              "http://www.w3.org/1999/xlink"}
    data = page_data(path)
    assert len(data["frames"]) == 2 + len(y.backward_steps())  # the start, each step, the closing summary
    assert [f["phase"] for f in data["frames"]] == ["start"] + ["backward"] * len(y.backward_steps()) + ["summary"]
    assert [p.name for p in tmp_path.iterdir()] == ["backprop.html"]  # the temporary file was renamed


def test_the_embedded_grads_are_backwards_and_the_explanations_the_steppers(tmp_path, bundled):
    y, named = graph()
    path = viz.to_html(y, tmp_path / "page.html", engine=bundled)
    data = page_data(path)
    names = [node["name"] for node in data["nodes"]]
    final = grads_after_each_frame(data)[-1]
    assert {names[i]: float(exact) for i, exact in final.items()} == expected_grads()
    stepper = y.backward_steps()
    explained = [[line for _, line in frame["lines"]] for frame in data["frames"][1:-1]]
    steps = list(stepper)
    assert explained == [str(step).split("\n") for step in steps]
    for frame, step in zip(data["frames"][1:-1], steps):  # one edge per operand (a*a has two) and the op's own
        assert names[frame["active"]] == step.name and len(set(frame["edges"])) == len(step.edges) + 1
        assert [names[i] for i in frame["updated"]] == sorted({e.parent_name for e in step.edges}, key=names.index)


def test_the_closing_summary_gives_every_leafs_grad_and_its_meaning(tmp_path, bundled):
    y, named = graph()
    data = page_data(viz.to_html(y, tmp_path / "page.html", engine=bundled))
    summary = data["frames"][-1]
    names = [node["name"] for node in data["nodes"]]
    expected = expected_grads()
    assert summary["phase"] == "summary" and sorted(names[i] for i in summary["updated"]) == ["a", "b", "c"]
    lines = {line.split(".grad = ")[0]: line for kind, line in summary["lines"] if kind == "update"}
    assert sorted(lines) == ["a", "b", "c"]
    for leaf, line in lines.items():
        assert line.startswith(f"{leaf}.grad = {format_number(expected[leaf], 4)}: ")
        assert ("y rises as" in line) == (expected[leaf] > 0) and ("y falls as" in line) == (expected[leaf] < 0)


def test_forward_pass_first_shows_the_values_in_the_order_they_were_made(tmp_path, bundled):
    y, named = graph()
    data = page_data(viz.to_html(y, tmp_path / "page.html", forward=True, engine=bundled))
    phases = [f["phase"] for f in data["frames"]]
    size = len(data["nodes"])
    assert phases == ["start"] + ["forward"] * size + ["backward"] * len(y.backward_steps()) + ["summary"]
    assert [f["shown"] for f in data["frames"][: size + 1]] == list(range(size + 1))
    order = [data["nodes"][f["active"]]["name"] for f in data["frames"][1: size + 1]]
    assert order == sorted(named, key=lambda text: named[text].id)


def test_grads_and_a_steppers_position_are_left_as_they_were(tmp_path, bundled):
    y, named = graph()
    for value in named.values():
        value.grad = 0.25
    before = {text: value.grad for text, value in named.items()}
    viz.to_html(y, tmp_path / "a.html", engine=bundled)
    assert {text: value.grad for text, value in named.items()} == before
    stepper = y.backward_steps()
    stepper.step(), stepper.step()
    during = {text: value.grad for text, value in named.items()}
    assert stepper.to_html(tmp_path / "b.html", engine=bundled) == tmp_path / "b.html"
    assert stepper.position == 2 and {text: value.grad for text, value in named.items()} == during
    first = page_data(tmp_path / "b.html")["frames"][0]["grads"]
    assert all(float(exact) == 0.25 for _, _, exact in first)  # the page starts where the stepper started
    stepper.run()
    assert stepper.done


def test_hostile_labels_stay_text(tmp_path, bundled):
    y, _ = graph(lambda text: text + HOSTILE)
    page = viz.to_html(y, tmp_path / "page.html", title=HOSTILE, engine=bundled).read_text(encoding="utf-8")
    assert page.count("<script") == 4 and page.count("</script>") == 4  # the data block, the checker, quiz, explorer
    assert "<!--" not in page and "<img" not in page
    block = re.search(r'id="steps">(.*?)</script>', page, re.S).group(1)
    assert "\u2028" not in block and "\\u003c/script\\u003e" in block  # a raw U+2028 would end a JS line
    assert script_json("</script>\u2028") == '"\\u003c/script\\u003e\\u2028"'


@pytest.mark.parametrize("call, error, words", [
    (lambda y, p: viz.to_html(1.5, p), TypeError, "root must be a Value"),
    (lambda y, p: viz.to_html(Value(2.0, label="x"), p), ValueError, "root is a leaf (x)"),
    (lambda y, p: viz.to_html(y, 42), TypeError, "path must be a file path"),
    (lambda y, p: viz.to_html(y, p.parent), IsADirectoryError, "is a folder"),
    (lambda y, p: viz.to_html(y, p.parent / "missing" / "page.html"), FileNotFoundError, "does not exist"),
    (lambda y, p: viz.to_html(y, p, forward="yes"), TypeError, "forward must be True or False"),
    (lambda y, p: viz.to_html(y, p, title=3), TypeError, "title must be a string"),
    (lambda y, p: viz.to_html(y, p, seconds_per_step=0), ValueError, "seconds_per_step must be a positive"),
    (lambda y, p: viz.to_html(y, p, show_grad=False, highlight=[y]), TypeError, "sets highlight, show_grad"),
    (lambda y, p: viz.to_html(y, p, colour="red"), TypeError, "unknown drawing option colour"),
    (lambda y, p: viz.to_html(y, p, max_nodes=3), ValueError, "more than max_nodes=3"),
])
def test_bad_arguments_are_named(tmp_path, bundled, call, error, words):
    y, _ = graph()
    with pytest.raises(error) as raised:
        call(y, tmp_path / "page.html")
    assert words in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_path_is_named(tmp_path, bundled, monkeypatch):
    def refuse(path, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("viz.html.write_atomic", refuse)
    y, _ = graph()
    with pytest.raises(PermissionError, match=r"path '.*page\.html' is not writable \(Permission denied\)"):
        viz.to_html(y, tmp_path / "page.html", engine=bundled)


# -- in the browser ------------------------------------------------------------------------------------------
SHOWN = """[...document.querySelectorAll("#graph g.node[data-grad]")].map((g) => {
  const texts = [...g.querySelectorAll("text")].map((t) => t.textContent);
  return [texts[0], texts[texts.length - 2], texts[texts.length - 1], g.getAttribute("data-grad")];
})"""
STATE = """JSON.stringify([document.querySelector("main").outerHTML.replace(/ viewBox="[^"]*"/, ""), document.body.getAttribute("data-position"),
  ...[...document.querySelectorAll("nav button")].map((b) => [b.textContent, b.disabled])])"""


def open_page(browser, path):
    browser.open(path)
    return browser.evaluate("document.querySelectorAll('nav button').length") == 5  # and the Quiz toggle


def shown(browser) -> dict:
    """name -> (data text, grad text, exact grad) as the diagram shows them."""
    return {name: (data, grad, exact) for name, data, grad, exact in browser.evaluate(SHOWN)}


def position(browser) -> int:
    return int(browser.evaluate("document.body.getAttribute('data-position')"))


def png_size(path) -> tuple:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_next_to_the_end_shows_backwards_grads_and_back_restores_every_state(tmp_path, bundled, chromium):
    y, _ = graph()
    steps = len(y.backward_steps())
    path = viz.to_html(y, tmp_path / "backprop.html", engine=bundled)
    assert open_page(chromium, path)
    states = [chromium.evaluate(STATE)]
    while not chromium.evaluate("document.getElementById('next').disabled"):
        chromium.click("#next")
        states.append(chromium.evaluate(STATE))
        assert position(chromium) == len(states) - 1
        if len(states) == 3:
            picture = chromium.screenshot(tmp_path / "step2.png")
    assert len(states) == steps + 2  # and the summary
    expected = expected_grads()
    for name, (_, grad, exact) in shown(chromium).items():
        assert float(exact) == expected[name]  # exactly, through the page's JSON and DOM
        assert grad == f"grad {format_number(expected[name], 4)}"
        assert float(grad.split()[1]) == pytest.approx(expected[name], rel=5e-4, abs=1e-12)
    for k in range(steps + 1, 0, -1):
        chromium.click("#back")
        assert chromium.evaluate(STATE) == states[k - 1]  # every box, class, grad, text and button as before
    assert chromium.requests() == [path.resolve().as_uri()] and chromium.errors() == []
    assert png_size(picture) == (1280, 720)


def test_the_keyboard_steps_plays_and_resets(tmp_path, bundled, chromium):
    y, _ = graph()
    steps = len(y.backward_steps())
    assert open_page(chromium, viz.to_html(y, tmp_path / "keys.html", seconds_per_step=0.05, engine=bundled))
    chromium.press("ArrowRight"), chromium.press("ArrowRight"), chromium.press("ArrowLeft")
    assert position(chromium) == 1
    chromium.press("End")
    assert position(chromium) == steps + 1
    chromium.press("Home")
    assert position(chromium) == 0 and chromium.evaluate("document.getElementById('back').disabled")
    chromium.press(" ")
    assert "Pause" in chromium.evaluate("document.getElementById('play').textContent")
    deadline = time.monotonic() + 10
    while position(chromium) < steps + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)
    assert position(chromium) == steps + 1 and "Play" in chromium.evaluate("document.getElementById('play').textContent")
    assert chromium.errors() == []


def test_space_on_the_focused_play_button_toggles_once(tmp_path, bundled, chromium):
    y, _ = graph()
    assert open_page(chromium, viz.to_html(y, tmp_path / "focus.html", seconds_per_step=60, engine=bundled))
    chromium.click("#play")  # Play takes a step at once, then one a minute
    assert position(chromium) == 1 and chromium.evaluate("document.activeElement.id") == "play"
    chromium.press(" ")  # a button would also click on Space; the page takes it as one play/pause
    assert "Play" in chromium.evaluate("document.getElementById('play').textContent")
    chromium.press(" ")
    assert "Pause" in chromium.evaluate("document.getElementById('play').textContent") and position(chromium) == 2
    chromium.press("ArrowRight")  # stepping by hand stops playing
    assert "Play" in chromium.evaluate("document.getElementById('play').textContent") and position(chromium) == 3


def test_forward_pass_reveals_values_then_backprop_follows(tmp_path, bundled, chromium):
    y, named = graph()
    path = viz.to_html(y, tmp_path / "forward.html", forward=True, engine=bundled)
    assert open_page(chromium, path)
    assert {data for data, _, _ in shown(chromium).values()} == {"data ?"}
    # The start screen, every value still to come, must read on a projector: dimmed, not faded away.
    looks = chromium.evaluate("""[...document.querySelectorAll("#graph g.node.pending")].map((g) => {
      const text = g.querySelector("text"); return [parseFloat(getComputedStyle(g).opacity), text.getAttribute("fill")
        || getComputedStyle(text).fill]; })""")
    assert looks and all(opacity >= 0.5 for opacity, _ in looks)
    for _ in named:
        chromium.press("ArrowRight")
    assert chromium.evaluate("document.body.getAttribute('data-phase')") == "forward"
    assert {name: data for name, (data, _, _) in shown(chromium).items()} == {
        text: f"data {format_number(value.data, 4)}" for text, value in named.items()}
    chromium.press("ArrowRight")
    assert chromium.evaluate("document.body.getAttribute('data-phase')") == "backward"
    chromium.press("End")
    expected = expected_grads()
    assert {name: float(exact) for name, (_, _, exact) in shown(chromium).items()} == expected
    chromium.screenshot(tmp_path / "forward_end.png")


def test_hostile_labels_show_as_text_and_run_nothing(tmp_path, bundled, chromium):
    y, _ = graph(lambda text: text + HOSTILE)
    path = viz.to_html(y, tmp_path / "hostile.html", title=HOSTILE, engine=bundled)
    assert open_page(chromium, path)
    chromium.press("ArrowRight")
    assert chromium.evaluate("window.pwned === undefined && document.scripts.length === 4")
    assert chromium.evaluate("document.title") == HOSTILE
    names = [text for text in chromium.evaluate("[...document.querySelectorAll('#graph text')].map(t => t.textContent)")
             if "pwned" in text]
    assert len(names) == 11 and all(text.endswith(HOSTILE) for text in names)
    assert HOSTILE in chromium.evaluate("document.getElementById('explanation').textContent")
    assert chromium.requests() == [path.resolve().as_uri()] and chromium.errors() == []


def test_readable_on_a_projector_at_1280_by_720(tmp_path, bundled, chromium):
    y, _ = graph()
    assert open_page(chromium, viz.to_html(y, tmp_path / "size.html", engine=bundled))
    chromium.press("ArrowRight")
    fits = chromium.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert fits[0] <= 1280 and fits[1] <= 720
    looks = chromium.evaluate("""["body", "#explanation .line", "button", "#status", ".keys"].map((s) => {
      const style = getComputedStyle(document.querySelector(s));
      return [s, parseFloat(style.fontSize), style.color, getComputedStyle(document.body).backgroundColor];
    })""")
    for selector, size, color, background in looks:
        assert size >= 18, selector
        assert contrast(color, background) >= 7, selector  # WCAG AAA for body text
    inside = chromium.evaluate("""[...document.querySelectorAll("nav button, #graph svg, #panel")].every((e) => {
      const r = e.getBoundingClientRect();
      return r.left >= 0 && r.top >= 0 && r.right <= 1280 && r.bottom <= 720; })""")
    assert inside


@pytest.mark.parametrize("engine", ["graphviz-pure", "dot"])
def test_the_active_frame_and_updated_grads_stand_out_with_either_engine(tmp_path, bundled, chromium, engine):
    if engine == "dot" and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed; graphviz-pure draws the table frame first, dot last")
    y, _ = graph()
    path = viz.to_html(y, tmp_path / "frame.html", engine=bundled if engine == "graphviz-pure" else "dot")
    assert open_page(chromium, path)
    chromium.press("ArrowRight")
    looks = chromium.evaluate("""(() => {
      const looks = (g) => { const frame = g.querySelector("polygon.frame"), grad = g.querySelector("text.grad");
        return [getComputedStyle(frame).stroke, getComputedStyle(grad).fontWeight, frame.getBBox().width >=
          Math.max(...[...g.querySelectorAll("polygon")].map((p) => p.getBBox().width))]; };
      return [looks(document.querySelector("#graph g.node.active[data-grad]")),
              looks(document.querySelector("#graph g.node.updated"))];
    })()""")
    assert looks == [["rgb(232, 89, 12)", "400", True], ["rgb(43, 138, 62)", "700", True]]


def test_zoom_follows_the_step_and_zero_fits_again(tmp_path, bundled, chromium):
    y, _ = graph()
    assert open_page(chromium, viz.to_html(y, tmp_path / "zoom.html", engine=bundled))
    fitted = chromium.evaluate("document.querySelector('#graph svg').getAttribute('viewBox')")
    chromium.press("+"), chromium.press("+"), chromium.press("ArrowRight")
    time.sleep(0.4)  # the view glides for a quarter second
    zoomed = [float(v) for v in chromium.evaluate("document.querySelector('#graph svg').getAttribute('viewBox')")
              .split()]
    assert zoomed[2] < float(fitted.split()[2]) / 1.5
    box = chromium.evaluate("""(() => {
      const r = document.querySelector("#graph g.node.active[data-grad]").getBoundingClientRect();
      const s = document.querySelector("#graph svg").getBoundingClientRect();
      return r.left >= s.left && r.right <= s.right && r.top >= s.top && r.bottom <= s.bottom; })()""")
    assert box  # the active node is in view
    chromium.press("0")
    assert chromium.evaluate(ALL_IN_VIEW)  # 0 shows the whole graph


ALL_IN_VIEW = """(() => { const s = document.querySelector("#graph svg").getBoundingClientRect();
  return [...document.querySelectorAll("#graph g.node")].every((g) => { const r = g.getBoundingClientRect();
    return r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1; }); })()"""
TEXT_PX = """Math.min(...[...document.querySelectorAll("#graph g.node text.grad")].map(  // font size in CSS px
  (t) => parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a))"""
ACTIVE_IN_VIEW = """(() => { const s = document.querySelector("#graph svg").getBoundingClientRect();
  const r = document.querySelector("#graph g.node.active").getBoundingClientRect();
  return r.left >= s.left && r.right <= s.right && r.top >= s.top && r.bottom <= s.bottom; })()"""


def mlp_loss():
    """The squared error of a 2-3-1 MLP on one sample: 50 values, too many to read when fitted to a screen."""
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([Value(1.0, label="x1"), Value(-2.0, label="x2")])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss


def test_a_big_graph_opens_readable_on_its_first_step_and_browser_zoom_enlarges_it(tmp_path, bundled, browser):
    path = viz.to_html(mlp_loss(), tmp_path / "mlp.html", engine=bundled)
    sizes = []
    for zoom in (1, 1.5):  # browser zoom 150%: two thirds of the CSS pixels, each 1.5 device pixels
        tab = Tab(browser, width=round(1280 / zoom), height=round(720 / zoom), scale=zoom)
        tab.open(path)
        assert tab.evaluate(TEXT_PX) >= 15.99  # CSS pixels (16, less the view's rounding) at any browser zoom
        tab.press("ArrowRight")
        time.sleep(0.4)
        assert tab.evaluate(ACTIVE_IN_VIEW)
        sizes.append(tab.evaluate(TEXT_PX) * zoom)
        tab.press("0")
        assert tab.evaluate(ALL_IN_VIEW) and tab.errors() == []
        tab.close()
    assert sizes[1] >= 1.4 * sizes[0]  # in device pixels the graph grows with the browser's zoom


def test_collapse_draws_neurons_as_boxes_that_open_while_a_step_works_inside(tmp_path, bundled, chromium):
    loss = mlp_loss()
    path = viz.to_html(loss, tmp_path / "collapsed.html", collapse="neuron", engine=bundled)
    data = page_data(path)
    boxes = {node["box"] for node in data["nodes"] if node.get("boxed")}
    assert len(boxes) == 4  # three hidden neurons and the output neuron
    names = [node["name"] for node in data["nodes"]]
    assert open_page(chromium, path)
    closed = "document.querySelectorAll('#graph svg')[0].getBoundingClientRect().width > 0"
    assert chromium.evaluate(closed)
    seen, views = set(), []
    while not chromium.evaluate("document.getElementById('next').disabled"):
        chromium.click("#next")
        frame = data["frames"][position(chromium)]
        view = chromium.evaluate("document.body.getAttribute('data-view')")
        views.append(view)
        inside = frame["active"] is not None and data["nodes"][frame["active"]].get("boxed")
        assert view == ("open" if inside else "closed")
        if inside:  # the open drawing, its active box the Value this step works on, and the heading names the box
            active = chromium.evaluate("[...document.querySelectorAll('#graph svg:not([hidden]) g.node.active"
                                       "[data-grad] > title')].map((t) => t.textContent.split(': data ')[0])")
            assert active == [names[frame["active"]]]
            heading = chromium.evaluate("document.getElementById('status').textContent")
            seen.add(heading.split(" inside ")[1])
    assert len(seen) == 4 and "closed" in views and chromium.errors() == []
    assert chromium.evaluate(closed)  # the summary shows the boxes closed again
    oracle = mlp_loss()  # the same weights (seed 0): its backward() gives the grads each box must show
    oracle.backward()
    expected = {node["name"]: value.grad for node, value in zip(data["nodes"], viz.graph.graph_nodes(oracle))}
    shows = chromium.evaluate("""[...document.querySelectorAll("#graph svg:first-of-type g.node[data-grad]")].map((g) =>
      [g.querySelector("title").textContent.split(": data ")[0], g.getAttribute("data-grad")])""")
    outputs = [node["name"] for node in data["nodes"] if node.get("shows")]
    assert set(outputs) <= {name for name, _ in shows} and len(outputs) == 4
    for name, exact in shows:
        assert float(exact) == expected[name]


def contrast(color: str, background: str) -> float:
    """The WCAG contrast ratio of two CSS rgb() colors."""
    def luminance(css):
        channels = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(color), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_graph_over_max_nodes_is_refused_before_any_step_is_recorded(tmp_path, monkeypatch):
    x = Value(0.5, label="x")
    y = x
    for _ in range(3000):  # 9,001 to draw: x, 3,000 constants, products and ops
        y = y * 1.0001
    recorded = []
    monkeypatch.setattr("viz.html.record_frames", lambda *args: recorded.append(args) or [])
    with pytest.raises(ValueError, match="9001 nodes to draw, more than max_nodes=400"):
        viz.to_html(y, tmp_path / "big.html")
    assert recorded == [] and list(tmp_path.iterdir()) == []
    assert x.grad == 0.0
