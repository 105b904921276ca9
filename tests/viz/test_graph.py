"""viz.to_dot: the DOT source itself (nothing rendered here)."""

import math
import re

import pytest

import nn
from autograd import OPS, Value, local_gradients
from autograd.value import apply
from tests.autograd.cases import SMOOTH_POINTS
from tests.viz.conftest import neuron
import viz
from viz import to_dot
from viz.graph import build, diagram_options, scope_part


def op_graph(name):
    """The op `name` applied to labelled operands at its first smooth test point."""
    x, y, k = SMOOTH_POINTS[name][0]
    a, b = Value(x, label="a"), Value(y, label="b")
    out = apply(OPS[name], a, b if OPS[name].arity == 2 else None, k)
    out.label = "out"
    return out


def edge_labels(source):
    """Edge label texts in order of the edges that carry one."""
    return re.findall(r'-> \w+ \[.*?label=<<FONT COLOR="#[0-9a-f]+">(.*?)</FONT>>', source)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_draws_its_table_symbol_and_operand_edges(name):
    out = op_graph(name)
    source = to_dot(out).source
    op = OPS[name]
    assert f"label=<{op.label(out.k)}>" in source.replace("&gt;", ">").replace("&lt;", "<")
    assert source.count(" -> op") == op.arity
    assert source.count("shape=plain") == op.arity + 1


@pytest.mark.parametrize("name", sorted(OPS))
def test_local_derivative_labels_match_finite_differences(name):
    out = op_graph(name)
    x, y, k = SMOOTH_POINTS[name][0]
    op = OPS[name]
    h = 1e-6
    numbers = [float(text) for text in edge_labels(to_dot(out, show_local_derivatives=True, precision=8).source)]
    assert len(numbers) == op.arity
    for i, shown in enumerate(numbers):
        step = (h, 0.0) if i == 0 else (0.0, h)
        plus = op.forward(x + step[0], y + step[1], k)
        minus = op.forward(x - step[0], y - step[1], k)
        assert shown == pytest.approx((plus - minus) / (2 * h), rel=1e-5, abs=1e-6)


def test_rules_are_filled_with_operand_names():
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    c = a * b
    labels = edge_labels(to_dot(c, show_rules=True).source)
    assert labels == ["b = 4", "a = 3"]
    n = Value(0.5, label="n")
    assert edge_labels(to_dot(n.tanh(), show_rules=True).source) == [
        f"1 - tanh(n)^2 = {1 - math.tanh(0.5) ** 2:.4g}"]
    assert edge_labels(to_dot(a + b, show_rules=True).source) == ["1", "1"]  # the rule is the number


def test_repeated_operands_draw_one_edge_each_with_its_derivative():
    a = Value(3.0, label="a")
    square = a * a
    source = to_dot(square, show_local_derivatives=True).source
    assert source.count("node1 -> op2") == 2
    assert edge_labels(source) == ["3", "3"]


def test_boxes_hold_name_data_and_grad_with_precision():
    o, nodes = neuron()
    source = to_dot(o, precision=3).source
    for label, node in nodes.items():
        assert f">{label}</TD>" in source
        assert f">data {node.data:.3g}</TD>" in source
        assert f"grad {node.grad:.3g}</FONT>" in source
    assert "grad " not in to_dot(o, show_grad=False).source


def test_unlabelled_nodes_get_the_steppers_names():
    a = Value(1.0, label="a")
    c = (a + 1.0) * a
    source = to_dot(c).source
    assert ">v1</FONT>" in source and ">v3</FONT>" in source  # the constant 1.0 is v1, a + 1 is v2


def test_same_graph_gives_byte_identical_dot_and_ids_follow_creation_order():
    first, _ = neuron()
    second, _ = neuron()
    assert to_dot(first).source == to_dot(first).source == to_dot(second).source
    ids = re.findall(r"^\t(node\d+) \[", to_dot(first).source, flags=re.M)
    assert ids == [f"node{i}" for i in range(1, len(ids) + 1)]


def test_left_to_right_by_default_and_top_to_bottom_on_request():
    o, _ = neuron()
    assert "rankdir=LR" in to_dot(o).source
    assert "rankdir=TB" in to_dot(o, rankdir="TB").source


def test_highlight_colors_the_frame_of_the_chosen_nodes():
    o, nodes = neuron()
    source = to_dot(o, highlight={nodes["n"]: "#ff8800", nodes["x1"]: "blue"}).source
    assert source.count('COLOR="#ff8800"') == 1 and source.count('BORDER="3" COLOR="blue"') == 1
    assert source.count('BORDER="3" COLOR="#f03e3e"') == 0
    assert to_dot(o, highlight=[nodes["b"]]).source.count('BORDER="3" COLOR="#f03e3e"') == 1


def test_a_model_passed_as_root_is_told_to_call_it_first(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    for call in (lambda: to_dot(model), lambda: viz.draw(model), lambda: viz.render_steps(model, tmp_path),
                 lambda: viz.to_html(model, tmp_path / "page.html")):
        with pytest.raises(TypeError, match=r"got MLP.*call it on one sample x first.*model\(x\)"):
            call()


def test_only_highlighted_boxes_are_framed_unless_sizes_must_stay_fixed():
    o, nodes = neuron()
    source = to_dot(o, highlight=[nodes["n"]]).source
    boxes = source.count("<TABLE")
    assert source.count('BORDER="3"') == 1 and source.count('<TABLE BORDER="0"') == boxes - 1  # edges meet cells
    fixed = build(o, diagram_options(highlight=[nodes["n"]])).dot.source
    assert fixed.count('BORDER="3" COLOR="transparent"') == boxes - 1  # steps and pages keep every box's size


@pytest.mark.parametrize("highlight, error, words", [
    ({"not a node": "red"}, ValueError, "not in the graph"),
    (5, TypeError, "highlight must be"),
])
def test_highlight_misuse(highlight, error, words):
    o, _ = neuron()
    with pytest.raises(error, match=words):
        to_dot(o, highlight=highlight)


def test_highlight_color_cannot_inject_attributes():
    o, nodes = neuron()
    with pytest.raises(ValueError, match="highlight color"):
        to_dot(o, highlight={nodes["n"]: 'red" BORDER="9'})


def test_a_node_outside_the_graph_cannot_be_highlighted():
    o, _ = neuron()
    with pytest.raises(ValueError, match="not in the graph"):
        to_dot(o, highlight={Value(1.0): "red"})


@pytest.mark.parametrize("options, error, words", [
    (dict(colour=True), TypeError, "unknown drawing option colour"),
    (dict(precision=0), ValueError, "precision"),
    (dict(precision=2.5), ValueError, "precision"),
    (dict(rankdir="lr"), ValueError, "rankdir"),
    (dict(max_nodes=0), ValueError, "max_nodes"),
    (dict(collapse="neurons"), ValueError, "collapse must be"),
    (dict(cluster="model"), ValueError, "cluster must be"),
    (dict(show_grad="yes"), TypeError, "show_grad"),
])
def test_bad_options_name_the_argument(options, error, words):
    o, _ = neuron()
    with pytest.raises(error, match=words):
        to_dot(o, **options)


def test_root_must_be_a_value():
    with pytest.raises(TypeError, match="root must be a Value"):
        to_dot(3.0)


def test_several_roots_share_one_diagram():
    a = Value(2.0, label="a")
    source = to_dot([a * 2.0, a + 1.0]).source
    assert source.count(">a</TD>") == 1 and source.count("shape=ellipse") == 2


def test_too_many_nodes_is_a_clear_error_not_a_hang():
    x = Value(1.0, label="x")
    for _ in range(300):
        x = x * 1.001
    with pytest.raises(ValueError, match=r"has 901 nodes to draw, more than max_nodes=400; pass collapse="):
        to_dot(x)
    assert "node601" in to_dot(x, max_nodes=1000).source


def mlp_loss():
    model = nn.MLP(2, [3, 2, 1], seed=0)
    out = model([1.0, -2.0])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return model, loss


def test_collapse_draws_one_box_per_neuron_or_layer():
    model, loss = mlp_loss()
    by_neuron = to_dot(loss, collapse="neuron").source
    assert len(re.findall(r"^\tgroup\d+ \[", by_neuron, flags=re.M)) == 3 + 2 + 1
    for name in ("layer0.neuron0", "layer0.neuron2", "layer1.neuron1", "layer2.neuron0"):
        assert f">{name}<BR/>" in by_neuron
    assert ">x0</TD>" in by_neuron and ">loss</TD>" in by_neuron  # outside any neuron: drawn as they are
    by_layer = to_dot(loss, collapse="layer").source
    assert len(re.findall(r"^\tgroup\d+ \[", by_layer, flags=re.M)) == 3
    assert "3 outputs" in by_layer  # layer0 has three neurons feeding layer1


def test_collapsed_output_box_shows_the_neurons_output_and_grad():
    model, loss = mlp_loss()
    out = loss.parents[0].parents[0]  # (out - 1) ** 2: out is the last neuron's output
    source = to_dot(loss, collapse="neuron").source
    assert f"out {out.data:.4g}</TD>" in source and f"grad {out.grad:.4g}" in source


def test_clusters_frame_each_layer_and_hold_their_neuron_boxes():
    model, loss = mlp_loss()
    source = to_dot(loss, collapse="neuron", cluster="layer").source
    assert source.count("subgraph cluster") == 3
    assert ">neuron0<BR/>" in source  # named inside its layer's frame
    assert to_dot(loss, cluster="neuron", max_nodes=1000).source.count("subgraph cluster") == 6


def test_edges_into_a_box_are_drawn_once():
    model, loss = mlp_loss()
    source = to_dot(loss, collapse="layer").source
    edges = re.findall(r"^\t(\w+) -> (\w+)", source, flags=re.M)
    assert len(edges) == len(set(edges))


def test_collapse_shrinks_a_model_under_max_nodes():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -0.5])
    with pytest.raises(ValueError, match="collapse="):
        to_dot(out)
    assert "group" in to_dot(out, collapse="neuron").source


def test_scope_part_finds_the_neuron_or_layer_in_a_nested_scope():
    assert scope_part("model.layer2.neuron7", "neuron") == "model.layer2.neuron7"
    assert scope_part("model.layer2.neuron7", "layer") == "model.layer2"
    assert scope_part("neuron3", "layer") is None
    assert scope_part("", "neuron") is None


def test_hostile_labels_are_escaped_in_the_source():
    evil = 'x"] evil [color=red]; a -> b [label="\\N <B>|{}</B>\nsecond & \\G'
    node = Value(1.0, label=evil)
    source = to_dot(node * 2.0).source
    assert "<B>" not in source and "evil [" in source  # only inside the escaped label text
    assert "&lt;B&gt;|{}&lt;/B&gt;<BR/>second &amp; \\\\G" in source
    assert len(re.findall(r"^\t\w+ \[", source, flags=re.M)) == 3 + 4  # defaults; node, constant, op, result


def test_drawing_maps_edges_to_operands():
    a = Value(3.0, label="a")
    square = a * a
    drawing = build(square, diagram_options())
    assert drawing.operand_edges[(square, 0)] != drawing.operand_edges[(square, 1)]
    assert drawing.node_ids[a] == "node1" and drawing.result_edges[square] == "edge1"


def test_local_gradients_agree_with_the_labels_on_a_neuron():
    o, nodes = neuron()
    shown = [float(t) for t in edge_labels(to_dot(o, show_local_derivatives=True, precision=17).source)]
    expected = [d for node in sorted(nodes.values(), key=lambda v: v.id) for d in local_gradients(node)]
    # every op's operand edges, in creation order; the unlabelled sums add their own
    assert set(expected) <= set(shown)
