"""micrograd's lecture idioms on autograd.Value: _prev, _op, _backward(), Value(data, children, op)."""

import math
import random
import shutil
import xml.etree.ElementTree as ET

import pytest

from autograd import Value

needs_idioms = pytest.mark.skipif(not hasattr(Value, "_prev"),
                                  reason="Value has no _prev/_op/_backward view of micrograd yet")


def lecture_neuron():
    """The lecture's neuron o = tanh(x1*w1 + x2*w2 + b), every intermediate named as the lecture does."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return o, n, x1w1x2w2, x1w1, x2w2, (x1, x2, w1, w2, b)


def closed_form_grads(x1, x2, w1, w2, b):
    """do/d(x1, x2, w1, w2, b) of o = tanh(x1*w1 + x2*w2 + b), by hand: 1 - o^2 times the other factor."""
    o = math.tanh(x1 * w1 + x2 * w2 + b)
    local = 1.0 - o * o
    return [w1 * local, w2 * local, x1 * local, x2 * local, local]


@needs_idioms
def test_the_lectures_walk_by_hand_gives_backwards_grads():
    o, n, x1w1x2w2, x1w1, x2w2, leaves = lecture_neuron()
    o.grad = 1.0
    o._backward()
    n._backward()
    leaves[4]._backward()  # b is a leaf: its share is nothing
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    for leaf in leaves:
        leaf._backward()
    by_hand = [leaf.grad for leaf in leaves]
    assert by_hand == pytest.approx(closed_form_grads(2.0, 0.0, -3.0, 1.0, 6.8813735870195432), rel=1e-12)
    assert by_hand == pytest.approx([0.5 * -3.0, 0.5 * 1.0, 0.5 * 2.0, 0.0, 0.5], abs=1e-6)  # 1 - o^2 = 1/2

    twin = lecture_neuron()
    twin[0].backward()
    assert [leaf.grad for leaf in twin[-1]] == by_hand
    assert (n.grad, x1w1.grad) == (twin[1].grad, twin[3].grad)


@needs_idioms
def test_the_lectures_topological_sort_over_prev():
    """build_topo over _prev, then _backward() in reverse: what the lecture writes before backward()."""
    o, *_, leaves = lecture_neuron()
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(o)
    assert len(topo) == 10 and topo[-1] is o
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert [leaf.grad for leaf in leaves] == pytest.approx(
        closed_form_grads(2.0, 0.0, -3.0, 1.0, 6.8813735870195432), rel=1e-12)


@needs_idioms
def test_backward_one_node_shares_the_grad_it_holds():
    """_backward() adds self.grad * local derivative into each operand (it accumulates, as micrograd's)."""
    a, b = Value(3.0), Value(-2.0)
    c = a * b
    c.grad = 5.0
    c._backward()
    assert (a.grad, b.grad) == (5.0 * -2.0, 5.0 * 3.0)
    c._backward()
    assert (a.grad, b.grad) == (2 * 5.0 * -2.0, 2 * 5.0 * 3.0)


@needs_idioms
def test_prev_is_the_set_of_operands_and_parents_keeps_repeats():
    a = Value(3.0)
    doubled = a + a
    assert doubled._prev == {a} and doubled.parents == (a, a)
    doubled.backward()
    assert a.grad == 2.0  # two edges, as PyTorch counts them (micrograd's set would hold one)
    b = Value(1.0)
    assert (a * b)._prev == {a, b} and isinstance((a * b)._prev, set)
    assert a._prev == set()


@needs_idioms
@pytest.mark.parametrize("make, symbol", [
    (lambda a, b: a + b, "+"),
    (lambda a, b: a * b, "*"),
    (lambda a, b: a.tanh(), "tanh"),
    (lambda a, b: a.exp(), "exp"),
    (lambda a, b: a, ""),
])
def test_op_is_the_symbol_micrograd_shows(make, symbol):
    assert make(Value(0.5), Value(2.0))._op == symbol


@needs_idioms
@pytest.mark.parametrize("make", [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / b, lambda a, b: a ** 2,
    lambda a, b: a ** -1, lambda a, b: a ** 0.5, lambda a, b: a.relu(), lambda a, b: a.tanh(),
    lambda a, b: a.exp(), lambda a, b: -a,
])
def test_op_symbol_rebuilds_the_same_node(make):
    """Value(data, node._prev-in-order, node._op) makes a node with the same op, operands and grads."""
    a, b = Value(0.5), Value(2.0)
    node = make(a, b)
    twin = Value(node.data, node.parents, node._op)
    assert (twin.op, twin.parents, twin._op) == (node.op, node.parents, node._op)
    twin.backward()
    expected = (a.grad, b.grad)
    a.grad = b.grad = 0.0
    node.backward()
    assert (a.grad, b.grad) == expected


@needs_idioms
@pytest.mark.parametrize("symbol, make", [("ReLU", lambda a: a.relu()), ("**2", lambda a: a ** 2),
                                          ("**-1", lambda a: a ** -1), ("tanh", lambda a: a.tanh())])
def test_the_constructor_takes_micrograds_spellings(symbol, make):
    a = Value(1.5)
    built, reference = Value(make(a).data, (a,), symbol), make(a)
    assert built.op == reference.op and built.k == reference.k
    built.backward()
    by_constructor, a.grad = a.grad, 0.0
    reference.backward()
    assert by_constructor == a.grad


@needs_idioms
def test_value_with_children_and_op_as_micrograd_builds_it():
    a, b = Value(1.5), Value(2.5)
    total = Value(4.0, (a, b), "+")
    assert (total.data, total.parents, total._prev, total._op, total.op) == (4.0, (a, b), {a, b}, "+", "add")
    product = Value(a.data * b.data, (a, b), "*")
    loss = total * product
    loss.backward()
    assert a.grad == pytest.approx(product.data + total.data * b.data, rel=1e-15)  # d/da (a+b)(ab)
    assert Value(2.0, label="x").label == "x" and Value(2.0)._op == ""  # gradwalk's own forms still work


@needs_idioms
def test_prev_and_op_are_read_only():
    node = Value(1.0) + Value(2.0)
    with pytest.raises(AttributeError):
        node._prev = set()
    with pytest.raises(AttributeError):
        node._op = "*"


@needs_idioms
@pytest.mark.parametrize("children, op, error, words", [
    ((1.0, 2.0), "+", TypeError, "_children"),
    ((), "+", TypeError, "_children"),
    (None, "+", TypeError, "_children"),
    ("ab", "+", None, None),  # a str second argument is gradwalk's positional label
])
def test_constructor_rejects_what_is_not_a_node(children, op, error, words):
    if error is None:
        assert Value(1.0, children).label == "ab"
        return
    with pytest.raises(error) as raised:
        Value(1.0, children, op)
    assert words in str(raised.value)


def trace(root):
    """The lecture's trace(): every node and edge reachable through _prev."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    """The lecture's draw_dot: a record per value, an op node per operation, built with graphviz.Digraph."""
    from graphviz import Digraph

    nodes, edges = trace(root)
    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    for n in nodes:
        dot.node(name=str(id(n)), label="{ data %.4f | grad %.4f }" % (n.data, n.grad), shape="record")
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


@needs_idioms
def test_draw_dot_over_prev_and_op_draws_the_neuron():
    """The lecture's diagram of a micrograd Neuron(2): 7 values, 5 ops, through Graphviz's own dot."""
    pytest.importorskip("graphviz")
    from nn.micrograd import Neuron

    random.seed(1337)
    neuron = Neuron(2)
    y = neuron([Value(1.0), Value(-2.0)])
    y.backward()
    nodes, edges = trace(y)
    assert len(nodes) == 10 and len(edges) == 9  # x0, x1, w0, w1, b, two products, two sums, relu
    source = draw_dot(y).source
    assert source.count("shape=record") == 10
    assert "data 1.0000 | grad 0.2355" in source  # x0's grad is w0 = random.uniform(-1, 1) after seed 1337
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    svg = ET.fromstring(draw_dot(y).pipe(format="svg"))
    texts = [t.text for t in svg.iter() if t.tag.endswith("text")]
    assert texts.count("+") == 2 and texts.count("*") == 2 and "data &#45;2.0000" not in texts
    assert "data -2.0000" in texts and "grad 1.0000" in texts


def lecture_style(x, y):
    """Written the way micrograd's users write: numbers on either side, relu, powers, division.

    (z = z + ... rather than z += ...: on a torch tensor += works in place and breaks its backward.)
    """
    z = 3 * x - y / 2 + 1
    z = z + z * y + (-x)
    q = z.relu() + z ** 2 / 4
    r = (y - x).relu() * q + 5.0 / (q + 2)
    r = r - 0.5 * x
    return r ** 3 / 10 + (2 - r) * (x * x).relu()


def test_augmented_assignment_makes_a_new_node():
    """c += c + 1 rebinds c to a new Value (no in-place change), so the old c keeps its place in the graph."""
    a = Value(2.0)
    c = a * 3
    old = c
    c += c + 1
    assert c is not old and old.data == 6.0 and c.data == 13.0
    c.backward()
    assert a.grad == 6.0


@pytest.mark.parametrize("x, y", [(-1.5, 2.25), (0.75, -0.5), (2.0, 3.0), (-3.0, -2.0)])
def test_lecture_style_expression_matches_torch_float64(x, y):
    torch = pytest.importorskip("torch")
    a, b = Value(x), Value(y)
    out = lecture_style(a, b)
    out.backward()
    ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    tout = lecture_style(ta, tb)
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-12)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12, abs=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12, abs=1e-12)
