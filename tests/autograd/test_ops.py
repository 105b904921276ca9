"""Every op in the table: gradients against finite differences, kinks, domain errors."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, TABLE, Value, backward, contributions, gradcheck, local_gradients
from autograd.value import apply
from tests.autograd.cases import DOMAIN_ERRORS, EDGE_DERIVATIVES, SMOOTH_POINTS, TORCH_TWINS


def build(name, x, y, k):
    """Apply op `name` to leaves made from x (and y)."""
    op = OPS[name]
    leaves = [Value(x, label="x")] + ([Value(y, label="y")] if op.arity == 2 else [])
    return apply(op, *leaves, k=k), leaves


def test_every_op_has_a_test_row():
    """A new op of the table needs its row in tests/autograd/cases.py (see docs/ops.md, "Adding an op")."""
    missing = sorted({op.name for op in TABLE} - set(SMOOTH_POINTS))
    assert not missing, f"add points for {missing} to SMOOTH_POINTS in tests/autograd/cases.py"
    twinless = sorted({op.name for op in TABLE} - set(TORCH_TWINS))
    assert not twinless, f"add the PyTorch twin of {twinless} to TORCH_TWINS in tests/autograd/cases.py"


def test_table_is_consistent():
    for code, op in enumerate(TABLE):
        assert op.code == code
        assert op.arity in (1, 2)
        assert len(op.derivatives) == len(op.rules) == len(op.numerics) == op.arity
        for template in (op.expr, *op.rules, *op.numerics):
            template.format(x="a", y="b", k="2", out="c")  # only known placeholders
        assert op.divisors is None or len(op.divisors) == op.arity


FROM_OUTPUT = [op for op in TABLE if op.from_output]


@pytest.mark.parametrize("op", FROM_OUTPUT, ids=[op.name for op in FROM_OUTPUT])
@given(x=st.floats(allow_nan=True, allow_infinity=True), k=st.floats(-3, 3))
def test_a_derivative_from_the_output_reads_nothing_else(op, x, k):
    """The tape fuses these ops into dense layers and calls the derivative without the input."""
    assert op.arity == 1 and op.domain is None
    out = op.forward(x, 0.0, k)
    expected = op.derivatives[0](x, 0.0, k, out)
    got = op.derivatives[0](out, 0.0, k, out)  # the tape passes out for x
    assert got == expected or (math.isnan(got) and math.isnan(expected))


QUOTIENTS = [(op, i) for op in TABLE if op.divisors for i, divisor in enumerate(op.divisors) if divisor]


@pytest.mark.parametrize("op, i", QUOTIENTS, ids=[f"{op.name}-{i}" for op, i in QUOTIENTS])
def test_a_divisor_is_the_reciprocal_of_its_derivative(op, i):
    for x, y, k in SMOOTH_POINTS[op.name]:
        out = op.forward(x, y, k)
        assert op.derivatives[i](x, y, k, out) == 1.0 / op.divisors[i](x, y, k, out)
        leaves = [Value(x), Value(y)]
        node = apply(op, *leaves[: op.arity], k=k)
        divisor = op.divisors[i](*leaves, k, node)  # grad() divides by the same function of Values
        assert isinstance(divisor, Value) and divisor.data == op.divisors[i](x, y, k, out)


@pytest.mark.parametrize("name, x, y, expected", [
    ("log", 1e-310, 0.0, (0.0,)),  # g * (1 / x) would be 0 * inf = NaN
    ("div", 3.0, 1e-310, (0.0, math.nan)),  # d/dy = -(x/y)/y is -inf: 0 * -inf is NaN, as in torch
    ("div", 1e-200, 1e-200, (0.0, -0.0)),
])
def test_contributions_of_a_zero_upstream_through_a_subnormal_divisor(name, x, y, expected):
    out, _ = build(name, x, y, 0.0)
    assert list(map(repr, contributions(out, 0.0))) == list(map(repr, expected))


@pytest.mark.parametrize("x, y, expected", [
    (1e-200, 1e-200, -1e200), (1e200, 1e200, -1e-200), (1e-160, 1e-160, -1e160), (-2.0, 1e-160, 2e320),
])
def test_division_gradient_by_the_divisor_does_not_square_it(x, y, expected):
    a, b = Value(x), Value(y)
    backward(a / b)
    assert b.grad == pytest.approx(expected, rel=1e-15) if math.isfinite(expected) else b.grad == math.inf


CASES = [(name, point) for name, points in SMOOTH_POINTS.items() for point in points]


@pytest.mark.parametrize("name, point", CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_gradient_matches_finite_differences(name, point):
    x, y, k = point
    op = OPS[name]
    f = (lambda a: apply(op, a, k=k)) if op.arity == 1 else (lambda a, b: apply(op, a, b, k=k))
    report = gradcheck(f, [x, y][: op.arity], eps=1e-6, atol=1e-7, rtol=1e-6)
    assert report.ok


@pytest.mark.parametrize("name, point", CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_forward_matches_math(name, point):
    x, y, k = point
    out, _ = build(name, x, y, k)
    expected = {
        "add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y, "div": lambda: x / y,
        "neg": lambda: -x, "pow": lambda: x ** k, "vpow": lambda: x ** y, "exp": lambda: math.exp(x),
        "log": lambda: math.log(x), "sqrt": lambda: math.sqrt(x), "tanh": lambda: math.tanh(x),
        "sigmoid": lambda: 1 / (1 + math.exp(-x)), "relu": lambda: max(x, 0.0),
        "leaky_relu": lambda: x if x > 0 else k * x, "abs": lambda: abs(x),
        "sin": lambda: math.sin(x), "cos": lambda: math.cos(x),
    }[name]()
    assert out.data == pytest.approx(expected, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("name, x, y, k, expected", EDGE_DERIVATIVES)
def test_derivative_at_kinks_follows_pytorch(name, x, y, k, expected):
    out, _ = build(name, x, y, k)
    assert list(map(repr, local_gradients(out))) == list(map(repr, expected))  # NaN for NaN, -0.0 for -0.0


@pytest.mark.parametrize("name, x, y, k, error", DOMAIN_ERRORS)
def test_domain_error_names_op_operands_and_label(name, x, y, k, error):
    op = OPS[name]
    leaves = [Value(x, label="first")] + ([Value(y, label="second")] if op.arity == 2 else [])
    with pytest.raises(error) as caught:
        apply(op, *leaves, k=k)
    message = str(caught.value)
    assert message.startswith(f"{name}:")
    assert repr(x) in message and "'first'" in message


@pytest.mark.parametrize("x, expected", [(710.0, math.inf), (-800.0, 0.0), (709.78, math.exp(709.78))])
def test_exp_saturates_like_ieee_instead_of_raising(x, expected):
    assert Value(x).exp().data == expected


def test_pow_overflow_gives_signed_infinity():
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(10.0) ** Value(400.0)).data == math.inf


def test_sigmoid_is_stable_at_extremes():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_nan_flows_through_without_error():
    assert math.isnan((Value(math.nan) * 2).relu().data)


def test_op_labels_show_constants_as_written():
    assert OPS["pow"].label(2.0) == "^2"
    assert OPS["pow"].label(0.5) == "^0.5"
    assert OPS["add"].label() == "+"
