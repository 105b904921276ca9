"""viz.render_steps: one frame per stepper step, one layout for all, an animated GIF."""

import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image

import viz
from autograd import Value
from tests.viz.conftest import SVG, neuron, svg_texts
from viz.graph import diagram_options
from viz.steps import ACTIVE, UPDATED, frame_sources


def node_boxes(data) -> dict:
    """DOT node name -> the points of every polygon drawn for it, from an SVG frame."""
    root = ElementTree.fromstring(data)
    boxes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            shapes = [p.get("points") for p in group.iter(f"{SVG}polygon")]
            shapes += [f"{e.get('cx')},{e.get('cy')}" for e in group.iter(f"{SVG}ellipse")]
            boxes[group.find(f"{SVG}title").text] = shapes
    return boxes


def test_one_frame_per_step_and_a_gif_with_as_many_frames(tmp_path, bundled):
    o, _ = neuron()
    steps = len(o.backward_steps())
    result = viz.render_steps(o, tmp_path / "frames", engine=bundled)
    assert len(result) == len(result.frames) == steps == 5
    assert [p.name for p in result.frames] == [f"step{i}.png" for i in range(1, steps + 1)]
    with Image.open(result.gif) as gif:
        assert gif.n_frames == steps and gif.is_animated
    sizes = {Image.open(p).size for p in result.frames}
    assert len(sizes) == 1  # every frame the same picture size


def test_frames_share_one_layout(tmp_path, bundled):
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    c = a * a + b
    d = c.relu() * b
    result = viz.render_steps(d, tmp_path, format="svg", gif=False, engine=bundled, rankdir="TB")
    assert result.gif is None and len(result) == len(d.backward_steps())
    frames = [node_boxes(p.read_bytes()) for p in result.frames]
    assert len(frames[0]) == 6 + 4 + 1  # six Values, four ops, the caption
    for frame in frames[1:]:
        assert frame == frames[0]  # every box and oval at the same coordinates, the caption too


def test_each_frame_highlights_its_step_and_shows_the_grads_after_it(bundled):
    o, nodes = neuron()
    before = {label: node.grad for label, node in nodes.items()}
    stepper = o.backward_steps()
    expected = []
    for step in stepper:  # the last step also adds the leaves' earlier grads (the fixture ran backward once)
        totals = {a.name: a.total for a in step.accumulated}
        expected.append((step.name, [e.parent_name for e in step.edges],
                         [totals.get(e.parent_name, e.grad_after) for e in step.edges]))
    stepper.reset()
    sources = frame_sources(o, diagram_options(show_local_derivatives=True), bundled)
    assert len(sources) == len(expected)
    for number, (source, (name, parents, grads)) in enumerate(zip(sources, expected), 1):
        assert f"Step {number}/{len(expected)}  {name} = " in source
        assert source.count(f'BORDER="3" COLOR="{ACTIVE}"') == 1
        assert source.count(f'BORDER="3" COLOR="{UPDATED}"') == len(set(parents))
        for grad in grads:
            assert f"grad {grad:.4g}</FONT>" in source
        assert source.count(f'color="{ACTIVE}"') == len(parents) + 1  # operand edges and the op's result edge
    assert {label: node.grad for label, node in nodes.items()} == before  # grads restored


def test_grads_are_left_as_they_were(tmp_path, bundled):
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    x.grad = 7.0
    viz.render_steps(y, tmp_path, engine=bundled, gif=False)
    assert x.grad == 7.0 and y.grad == 0.0


def test_svg_frames_show_the_caption_text(tmp_path, bundled):
    a = Value(3.0, label="a")
    square = a * a
    frame = viz.render_steps(square, tmp_path, format="svg", engine=bundled).frames[0]
    texts = [t.replace("\xa0", " ") for t in svg_texts(frame.read_bytes())]  # runs of spaces keep their width
    assert any(t.startswith("Step 1/1") for t in texts)
    assert any("a.grad += 1 * 3  ->  3 + 3 = 6" in t for t in texts)


def test_a_leaf_has_no_steps_to_draw(tmp_path, bundled):
    with pytest.raises(ValueError, match="no steps to draw"):
        viz.render_steps(Value(1.0, label="x"), tmp_path, engine=bundled)


@pytest.mark.parametrize("options, error, words", [
    (dict(collapse="neuron"), TypeError, "render_steps sets collapse itself"),
    (dict(highlight={}), TypeError, "sets highlight itself"),
    (dict(format="pdf"), ValueError, "format must be 'png' or 'svg'"),
    (dict(seconds_per_frame=0), ValueError, "seconds_per_frame"),
    (dict(seconds_per_frame=float("nan")), ValueError, "seconds_per_frame must be a positive number of seconds"),
    (dict(dpi=-5), ValueError, "dpi must be a number of pixels per inch"),
    (dict(timeout=float("inf")), ValueError, "timeout must be a positive number of seconds, at most"),
    (dict(precision=0), ValueError, "precision"),
])
def test_misuse_names_the_argument(tmp_path, options, error, words):
    with pytest.raises(error, match=words):
        viz.render_steps(neuron()[0], tmp_path, **options)


def test_out_dir_must_be_a_folder(tmp_path):
    file = tmp_path / "file"
    file.write_text("")
    with pytest.raises(NotADirectoryError, match="out_dir"):
        viz.render_steps(neuron()[0], file)
    with pytest.raises(TypeError, match="root must be a Value"):
        viz.render_steps([neuron()[0]], tmp_path)
