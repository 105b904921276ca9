"""viz.render and engine discovery: real SVG/PNG from graphviz-pure, fake engines on PATH, clear errors."""

import os
import stat
import subprocess
import sys

import pytest
from PIL import Image

import viz
from autograd import Value
from tests.viz.conftest import neuron, svg_node_titles, svg_texts
from viz.engine import ENV_VAR, Engine, EngineNotFoundError, RenderError, find_engine, value_svg, write_atomic

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fake_engine(folder, name="dot", body='printf \'<svg xmlns="http://www.w3.org/2000/svg"><text>fake</text></svg>\''):
    """An executable script standing in for Graphviz: reads DOT on stdin, runs `body`."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat > /dev/null\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# -- real rendering ---------------------------------------------------------------
def test_svg_parses_as_xml_and_shows_every_label_and_number(tmp_path, bundled):
    o, nodes = neuron()
    path = viz.render(o, tmp_path / "neuron.svg", engine=bundled, show_rules=True)
    texts = svg_texts(path.read_bytes())
    for label, node in nodes.items():
        assert label in texts
        assert f"data {node.data:.4g}" in texts and f"grad {node.grad:.4g}" in texts
    assert {"+", "*", "tanh"} <= set(texts)
    assert "1 - tanh(n)^2 = 0.5" in texts


def test_png_has_the_signature_and_a_sane_size(tmp_path, bundled):
    o, _ = neuron()
    path = viz.render(o, tmp_path / "neuron.png", engine=bundled)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = Image.open(path).size
    assert 600 < width < 6000 and 100 < height < 2000
    small = Image.open(viz.render(o, tmp_path / "small.png", engine=bundled, dpi=48)).size
    assert small[0] < width / 2  # dpi scales the picture


def test_hostile_label_renders_literally_and_injects_nothing(tmp_path, bundled):
    first_line = 'x"] evil [color=red]; a -> b [label="\\N <B>|{}</B>'
    second_line = "second & \\G \\l\\\\"
    node = Value(1.0, label=f"{first_line}\n{second_line}")
    path = viz.render(node * 2.0, tmp_path / "evil.svg", engine=bundled)
    data = path.read_bytes()
    texts = svg_texts(data)
    assert first_line in texts and second_line in texts
    assert sorted(svg_node_titles(data)) == ["node1", "node2", "node3", "op3"]
    assert b'="red"' not in data  # the color only ever appears as text


def test_control_characters_still_give_valid_svg(tmp_path, bundled):
    node = Value(1.0, label="bell\x07tab\there")
    texts = svg_texts(viz.render(node, tmp_path / "control.svg", engine=bundled).read_bytes())
    assert "bell\\x07tab here" in texts


def test_pdf_with_graphviz_pure_is_a_clear_error(tmp_path, bundled):
    o, _ = neuron()
    with pytest.raises(RenderError, match=r"format='pdf' needs Graphviz's dot.*render svg or png"):
        viz.render(o, tmp_path / "neuron.pdf", engine=bundled)
    assert not (tmp_path / "neuron.pdf").exists()


def test_gv_writes_the_dot_source_without_an_engine(tmp_path, no_engine_env):
    o, _ = neuron()
    path = viz.render(o, tmp_path / "neuron.gv")
    assert path.read_text() == viz.to_dot(o).source


def test_digraph_and_dot_text_render_too(tmp_path, bundled):
    o, _ = neuron()
    dot = viz.to_dot(o)
    assert svg_texts(viz.render(dot, tmp_path / "a.svg", engine=bundled).read_bytes()) == \
        svg_texts(viz.render(dot.source, tmp_path / "b.svg", engine=bundled).read_bytes())


@pytest.mark.parametrize("path, format, words", [
    ("graph.jpeg", None, r"must end in \.svg, \.png, \.pdf or \.gv"),
    ("graph.svg", "png", "does not match the suffix"),
    ("graph", "gif", "format must be one of"),
])
def test_path_and_format_errors_name_the_argument(tmp_path, path, format, words):
    o, _ = neuron()
    with pytest.raises(ValueError, match=words):
        viz.render(o, tmp_path / path, format)


def test_format_without_suffix_adds_it(tmp_path, bundled):
    o, _ = neuron()
    assert viz.render(o, tmp_path / "graph", "svg", engine=bundled).name == "graph.svg"


def test_options_only_apply_to_values(tmp_path):
    with pytest.raises(TypeError, match="drawing options"):
        viz.render(viz.to_dot(neuron()[0]), tmp_path / "x.gv", rankdir="TB")
    with pytest.raises(TypeError, match="root_or_dot must be"):
        viz.render(42, tmp_path / "x.gv")


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist; create"):
        viz.render(neuron()[0], tmp_path / "nowhere" / "x.gv")


# -- engine discovery -------------------------------------------------------------
def test_dot_on_path_is_preferred(tmp_path, monkeypatch):
    fake = fake_engine(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert find_engine().path == str(fake)
    assert svg_texts(viz.render(neuron()[0], tmp_path / "g.svg").read_bytes()) == ["fake"]


def test_graphviz_pure_is_found_next_to_the_interpreter_without_activation(tmp_path, monkeypatch, bundled):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot, no venv on PATH
    monkeypatch.delenv(ENV_VAR, raising=False)
    engine = find_engine()
    assert engine.bundled and engine.path == bundled.path


def test_environment_variable_wins_over_path(tmp_path, monkeypatch):
    on_path = fake_engine(tmp_path / "bin")
    chosen = fake_engine(tmp_path / "chosen", "my-dot")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setenv(ENV_VAR, str(chosen))
    assert find_engine().path == str(chosen)
    assert find_engine(str(on_path)).path == str(on_path)  # the argument wins over both


def test_environment_variable_pointing_at_a_missing_file_is_an_error(tmp_path, monkeypatch, bundled):
    missing = tmp_path / "no-such-dot"
    monkeypatch.setenv(ENV_VAR, str(missing))
    words = rf"{ENV_VAR} environment variable points at .*no-such-dot.*does not exist"
    with pytest.raises(EngineNotFoundError, match=words):
        find_engine()
    with pytest.raises(EngineNotFoundError, match="does not exist"):
        viz.render(neuron()[0], tmp_path / "g.svg")  # no silent fallback to graphviz-pure


def test_environment_variable_pointing_at_a_non_executable_is_an_error(tmp_path, monkeypatch):
    plain = tmp_path / "dot"
    plain.write_text("not a program")
    plain.chmod(0o644)
    monkeypatch.setenv(ENV_VAR, str(plain))
    with pytest.raises(EngineNotFoundError, match=r"not executable; make it executable \(chmod \+x\)"):
        find_engine()


def test_unknown_engine_name_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineNotFoundError, match=r"engine='dot' was not found on PATH"):
        find_engine("dot")


def test_no_engine_writes_the_gv_and_says_where(tmp_path, no_engine_env):
    o, _ = neuron()
    with pytest.raises(EngineNotFoundError) as caught:
        viz.render(o, tmp_path / "neuron.png")
    saved = tmp_path / "neuron.gv"
    message = str(caught.value)
    assert str(saved) in message and "pip install graphviz-pure" in message and ENV_VAR in message
    assert f"dot -Tpng {saved} -o {tmp_path / 'neuron.png'}" in message
    assert saved.read_text() == viz.to_dot(o).source
    assert not (tmp_path / "neuron.png").exists()


def test_engine_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    failing = fake_engine(tmp_path / "bin", body="echo 'Error: syntax error in line 1' >&2; exit 1")
    target = tmp_path / "out" / "g.svg"
    target.parent.mkdir()
    target.write_text("old")
    with pytest.raises(RenderError, match=r"failed \(exit code 1\): Error: syntax error in line 1"):
        viz.render(neuron()[0], target, engine=str(failing))
    assert target.read_text() == "old" and os.listdir(target.parent) == ["g.svg"]


def test_a_slow_engine_times_out_with_advice(tmp_path):
    slow = fake_engine(tmp_path / "bin", body="sleep 5")
    with pytest.raises(RenderError, match=r"longer than timeout=0.3 s.*collapse="):
        viz.render(neuron()[0], tmp_path / "g.svg", engine=str(slow), timeout=0.3)


def test_unsupported_format_reported_by_the_engine(tmp_path):
    picky = fake_engine(tmp_path / "bin", body="echo 'Format: \"pdf\" not recognized. Use one of: svg' >&2; exit 1")
    with pytest.raises(RenderError, match="format='pdf' is not supported"):
        viz.render(neuron()[0], tmp_path / "g.pdf", engine=str(picky))


def test_write_atomic_replaces_whole_files(tmp_path):
    path = tmp_path / "f.bin"
    write_atomic(path, b"first")
    write_atomic(path, b"second")
    assert path.read_bytes() == b"second" and os.listdir(tmp_path) == ["f.bin"]
    assert stat.S_IMODE(path.stat().st_mode) & 0o044  # readable by others, as a normal new file


# -- display ----------------------------------------------------------------------
def test_draw_and_value_methods_give_svg(monkeypatch, bundled):
    monkeypatch.setenv(ENV_VAR, bundled.path)
    o, _ = neuron()
    diagram = o.draw(rankdir="TB")
    assert isinstance(diagram, viz.Diagram) and "rankdir=TB" in diagram.source
    assert "o" in svg_texts(diagram._repr_svg_().encode())
    assert svg_texts(o._repr_mimebundle_()["image/svg+xml"].encode()) == svg_texts(viz.draw(o).svg().encode())


def test_repr_svg_of_a_huge_graph_falls_back_to_text(monkeypatch, bundled):
    monkeypatch.setenv(ENV_VAR, bundled.path)
    x = Value(1.0)
    for _ in range(300):
        x = x + 1.0
    assert value_svg(x) is None


def test_repr_svg_without_engine_warns_and_falls_back(no_engine_env):
    with pytest.warns(RuntimeWarning, match="cannot draw this Value: no Graphviz engine found"):
        assert Value(1.0)._repr_mimebundle_() == {"text/plain": "Value(1.0, grad=0.0)"}


def test_importing_autograd_does_not_import_viz():
    code = "import autograd, sys; autograd.Value(1.0).draw; print('viz' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_engine_reports_bundled():
    assert Engine("/x/graphviz-pure").bundled and not Engine("/usr/bin/dot").bundled
    with pytest.raises(TypeError, match="engine must be a path"):
        find_engine(3)
