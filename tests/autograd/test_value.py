"""Value semantics: graph structure, backward rules, no_grad, detach, bad input."""

import gc
import math
import sys
import weakref

import pytest

from autograd import Value, backward, no_grad, node_names, topological_order, zero_grad


def test_repeated_operand_keeps_both_edges():
    a = Value(3.0, label="a")
    b = a + a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 2.0


def test_square_by_multiplication():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_diamond_sums_both_paths():
    x = Value(2.0, label="x")
    left, right = x * 3, x.exp()
    y = left * right
    y.backward()
    assert x.grad == pytest.approx(3 * math.exp(2) + 6 * math.exp(2), rel=1e-15)


def test_backward_twice_doubles_leaf_grads_but_not_inner_ones():
    x, w = Value(2.0), Value(-3.0)
    h = x * w
    y = h.tanh()
    y.backward()
    first = (x.grad, w.grad, h.grad)
    y.backward()
    assert (x.grad, w.grad) == (2 * first[0], 2 * first[1])
    assert h.grad == first[2]


def test_zero_grad_resets_everything():
    x = Value(2.0)
    y = x * x
    y.backward()
    zero_grad(y)
    assert x.grad == y.grad == 0.0


def test_backward_of_a_leaf_accumulates_one():
    x = Value(5.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_backward_with_upstream_gradient():
    x = Value(2.0)
    (x * 3).backward(grad=0.5)
    assert x.grad == 1.5


@pytest.mark.parametrize("make, expected", [
    (lambda a: a + 2, (5.0, 1.0)), (lambda a: 2 + a, (5.0, 1.0)),
    (lambda a: a - 2, (1.0, 1.0)), (lambda a: 2 - a, (-1.0, -1.0)),
    (lambda a: a * 2, (6.0, 2.0)), (lambda a: 2 * a, (6.0, 2.0)),
    (lambda a: a / 2, (1.5, 0.5)), (lambda a: 6 / a, (2.0, -6 / 9)),
    (lambda a: a ** 2, (9.0, 6.0)), (lambda a: 2 ** a, (8.0, 8 * math.log(2))),
    (lambda a: a ** Value(2.0), (9.0, 6.0)), (lambda a: -a, (-3.0, -1.0)),
    (lambda a: abs(-a), (3.0, 1.0)), (lambda a: a.leaky_relu(0.1), (3.0, 1.0)),
])
def test_numbers_on_either_side(make, expected):
    a = Value(3.0)
    out = make(a)
    out.backward()
    assert (out.data, a.grad) == pytest.approx(expected, rel=1e-15)


def test_comparisons_are_not_graph_ops():
    with pytest.raises(TypeError):
        Value(1.0) < Value(2.0)
    assert Value(1.0) != Value(1.0)  # identity, so Values can key dicts and sets


@pytest.mark.parametrize("bad", ["3", None, [1], True, 1j])
def test_value_rejects_non_numbers_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("make, argument", [
    (lambda: Value(10 ** 400), "data"), (lambda: Value(1.0) * -10 ** 400, "operand of mul"),
    (lambda: Value(2.0) ** 10 ** 400, "exponent of pow"), (lambda: Value(1.0).leaky_relu(10 ** 400), "slope"),
])
def test_integers_beyond_float_range_are_refused_by_name(make, argument):
    with pytest.raises(OverflowError, match=f"{argument} = .*out of float range"):
        make()


def test_operand_of_wrong_type_is_a_type_error():
    with pytest.raises(TypeError):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="slope"):
        Value(1.0).leaky_relu("x")


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_nan_and_inf_data_are_allowed():
    assert math.isinf(Value(math.inf).data)
    assert math.isnan(Value(math.nan).data)


def test_numpy_scalars_are_accepted():
    np = pytest.importorskip("numpy")
    assert Value(np.int64(3)).data == 3.0 and type(Value(np.float32(0.5)).data) is float


def test_no_grad_records_nothing_and_restores():
    a = Value(2.0)
    with no_grad():
        b = a * 3
    assert b.parents == () and b.op is None and b.data == 6.0
    c = a * 3
    assert c.op == "mul" and c.parents[0] is a


def test_no_grad_restores_after_an_exception():
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError
    assert Value(1.0) * 2 is not None and (Value(1.0) * 2).op == "mul"


def test_detach_cuts_the_graph():
    a = Value(2.0, label="a")
    b = (a * 3).detach()
    c = b * a
    c.backward()
    assert b.is_leaf() and a.grad == 6.0


def test_topological_order_puts_parents_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == 5 and order[-1] is e
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)


def test_deep_chain_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + x
    y.backward()
    assert x.grad == 1_000_001.0


def test_graph_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        x = Value(1.0)
        y = (x * 2).tanh() + x
        probe = weakref.ref(y.parents[0])
        del y
        assert probe() is None
    finally:
        gc.enable()


def test_auto_names_in_creation_order_user_labels_win():
    a = Value(1.0)
    b = Value(2.0, label="v1")
    c = a * b
    names = node_names(topological_order(c))
    assert names[b] == "v1" and names[a] == "v2" and names[c] == "v3"


def test_repr_is_compact():
    assert repr(Value(2.0, label="x")) == "Value(2.0, grad=0.0, label='x')"


def test_backward_rejects_non_values():
    with pytest.raises(TypeError, match="root must be a Value"):
        backward(3.0)
    with pytest.raises(TypeError, match="grad"):
        Value(1.0).backward(grad="1")
    y = Value(1.0) * 2
    with pytest.raises(TypeError, match=r"order\[0\] must be a Value"):
        backward(y, order=[1.0])
    with pytest.raises(ValueError, match="order must end with root"):
        backward(y, order=[Value(1.0)])


def test_backward_with_its_topological_order_given():
    x = Value(3.0)
    y = x * x
    backward(y, order=topological_order(y))
    assert x.grad == 6.0
