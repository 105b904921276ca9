"""Second derivatives through autograd.grad(create_graph=True), against finite differences and torch."""

import math

import pytest

from autograd import OPS, TABLE, Value, grad
from autograd.value import apply
from tests.autograd.cases import SMOOTH_POINTS, torch_twin

# .get: a new op without its row yet is reported by test_every_op_has_a_test_row, not as a collection error
UNARY_CASES = [(op.name, p) for op in TABLE if op.arity == 1 for p in SMOOTH_POINTS.get(op.name, ())]
BINARY_CASES = [(op.name, p) for op in TABLE if op.arity == 2 for p in SMOOTH_POINTS.get(op.name, ())]


def first_derivative(name, x, k, y=0.0, wrt=0):
    """d op / d operand as a float, through the graph path (itself checked against backward below)."""
    leaves = [Value(x), Value(y)][: OPS[name].arity]
    (d,) = grad(apply(OPS[name], *leaves, k=k), [leaves[wrt]])
    return d.data


@pytest.mark.parametrize("name, point", UNARY_CASES, ids=[f"{n}{p}" for n, p in UNARY_CASES])
def test_second_derivative_of_every_unary_op(name, point):
    x0, _, k = point
    x = Value(x0)
    (dy,) = grad(apply(OPS[name], x, k=k), [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    eps = 1e-6
    numeric = (first_derivative(name, x0 + eps, k) - first_derivative(name, x0 - eps, k)) / (2 * eps)
    assert d2y.data == pytest.approx(numeric, rel=1e-5, abs=1e-7)

    torch = pytest.importorskip("torch")
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (tdy,) = torch.autograd.grad(torch_twin(name, t, t, k), [t], create_graph=True)
    expected = torch.autograd.grad(tdy, [t])[0].item() if tdy.requires_grad else 0.0
    assert d2y.data == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert dy.data == pytest.approx(tdy.item(), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name, point", BINARY_CASES, ids=[f"{n}{p}" for n, p in BINARY_CASES])
def test_mixed_second_derivatives_of_binary_ops_match_torch(name, point):
    torch = pytest.importorskip("torch")
    x0, y0, _ = point
    x, y = Value(x0), Value(y0)
    dx, dy = grad(apply(OPS[name], x, y), [x, y], create_graph=True)
    ours = [grad(d, [x, y]) for d in (dx, dy)]
    tx = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y0, dtype=torch.float64, requires_grad=True)
    tdx, tdy = torch.autograd.grad(torch_twin(name, tx, ty, 0.0), [tx, ty], create_graph=True)
    for row, t in zip(ours, (tdx, tdy)):
        expected = torch.autograd.grad(t, [tx, ty], allow_unused=True) if t.requires_grad else (None, None)
        for value, e in zip(row, expected):
            assert value.data == pytest.approx(0.0 if e is None else e.item(), rel=1e-12, abs=1e-300)


def test_first_derivative_agrees_with_backward():
    x, w = Value(0.3), Value(-1.7)
    y = (x * w).tanh() * x.exp() + (x / w).sin()
    gx, gw = grad(y, [x, w])
    y.backward()
    assert gx.data == pytest.approx(x.grad, rel=1e-14) and gw.data == pytest.approx(w.grad, rel=1e-14)


def test_grad_leaves_dot_grad_alone_and_handles_unused_inputs():
    x, unused = Value(2.0), Value(5.0)
    (gx, gu) = grad(x * x, [x, unused])
    assert (gx.data, gu.data) == (4.0, 0.0)
    assert x.grad == 0.0 and unused.grad == 0.0
    assert gx.is_leaf()  # without create_graph the result carries no graph


def test_hessian_of_a_two_variable_function():
    x, y = Value(1.5), Value(-0.5)
    f = x * x * y + (x * y).exp()
    fx, fy = grad(f, [x, y], create_graph=True)
    hxx, hxy = grad(fx, [x, y])
    hyx, hyy = grad(fy, [x, y])
    e = math.exp(1.5 * -0.5)
    assert hxx.data == pytest.approx(2 * -0.5 + 0.25 * e, rel=1e-14)
    assert hxy.data == pytest.approx(hyx.data, rel=1e-14) == pytest.approx(2 * 1.5 + e * (1 - 0.75), rel=1e-14)
    assert hyy.data == pytest.approx(2.25 * e, rel=1e-14)


def test_third_derivative():
    x = Value(0.7)
    (d1,) = grad(x.sin(), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert d3.data == pytest.approx(-math.cos(0.7), rel=1e-14)


@pytest.mark.parametrize("args, match", [((3.0, []), "output must be a Value"),
                                         ((Value(1.0), Value(1.0)), "list of Values"),
                                         ((Value(1.0), [2.0]), r"inputs\[0\]"),
                                         ((Value(1.0), None), "inputs must be a list"),
                                         ((Value(1.0), [], "a"), "grad_output"),
                                         ((Value(1.0), [], 1.0, 1), "create_graph")])
def test_bad_arguments(args, match):
    with pytest.raises(TypeError, match=match):
        grad(*args)


def test_second_derivative_through_a_quotient_at_a_subnormal():
    # d/dx log(x) = 1/x is built as 1 / x (a division node), so d2/dx2 = -1/x^2 follows;
    # at x = 1e-155 the first derivative 1e155 is finite and the second -1e310 overflows to -inf.
    x = Value(1e-155)
    (d1,) = grad(x.log(), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    assert d1.data == pytest.approx(1e155, rel=1e-15) and d2.data == -math.inf


def test_grad_divides_by_zero_as_backward_does_and_leaves_the_switch_off():
    from autograd import modes

    x = Value(0.0)
    (d,) = grad(x.sqrt(), [x], create_graph=True)
    assert d.data == math.inf and modes.current().ieee_division is False
    with pytest.raises(ZeroDivisionError, match="div"):
        Value(1.0) / 0.0
