"""The chain rule, the one place where backprop's arithmetic happens.

`chain` is one edge: what a node passes to operand i, upstream * d node / d operand i
(or upstream / divisor for a quotient derivative, as the op table says). `propagate`
is one node's turn: its hooks, then every edge, added to the operands' grads.
`backward()` runs `propagate` over every node, the stepper over one node per step and
`Value._backward()` over one node, so they all make the same float operations.

>>> from autograd import Value
>>> x = Value(3.0); y = x * x
>>> y.grad = 1.0
>>> propagate([y]); x.grad  # both edges of x * x: 1 * 3 + 1 * 3
6.0
"""

from .modes import check_finite
from .floats import as_float
from .ops import Op


def evaluate(function, *numbers: float) -> float:
    """Call an op-table function on floats, giving IEEE results (inf, NaN) where Python would raise.

    >>> from autograd.ops import OPS
    >>> evaluate(OPS["div"].forward, 1.0, -0.0, 0.0)
    -inf
    """
    try:
        return function(*numbers)
    except (OverflowError, ZeroDivisionError):
        import numpy as np

        with np.errstate(all="ignore"):
            return float(function(*map(np.float64, numbers)))


def _divide(numerator: float, denominator: float) -> float:
    return numerator / denominator


def chain(op: Op, i: int, g: float, x: float, y: float, k: float, out: float) -> float:
    """What backprop adds to operand i's grad: g * (d out / d operand i), or g / divisor for a quotient.

    >>> from autograd.ops import OPS
    >>> chain(OPS["log"], 0, 0.0, 1e-310, 0.0, 0.0, -713.8)  # 0.0 * (1 / 1e-310) would be 0 * inf = nan
    0.0
    """
    divisor = op.divisors[i] if op.divisors is not None else None
    try:
        return g * op.derivatives[i](x, y, k, out) if divisor is None else g / divisor(x, y, k, out)
    except (OverflowError, ZeroDivisionError):
        if divisor is None:
            return g * evaluate(op.derivatives[i], x, y, k, out)
        return evaluate(_divide, g, evaluate(divisor, x, y, k, out))


def propagate(nodes, checking: bool = False) -> None:
    """The chain rule: each op node in turn adds upstream * local derivative to each operand's grad.

    The one place backprop's arithmetic happens: backward() runs it over every node,
    root first; the stepper over one node per step; Value._backward() over one node.
    A node's hooks run first and may replace its grad; with `checking` (anomaly
    mode) a NaN or infinite contribution raises before anything is added.
    """
    for node in nodes:
        op = node._entry
        if op is None:
            continue
        if node._hooks is not None:
            run_hooks(node)
        g = node.grad
        k = node.k
        out = node.data
        a, b = node._a, node._b
        divisors = op.divisors  # log, div: g / x, since g * (1 / x) overflows for a subnormal x
        # Unrolled by arity, with chain() only for the rare overflow: this loop is the engine's hot path.
        if b is None:
            cb = None
            try:
                ca = g * op.derivatives[0](a.data, 0.0, k, out) if divisors is None else \
                    g / divisors[0](a.data, 0.0, k, out)
            except (OverflowError, ZeroDivisionError):
                ca = chain(op, 0, g, a.data, 0.0, k, out)
        elif divisors is None:
            x, y = a.data, b.data
            da, db = op.derivatives
            try:
                ca = g * da(x, y, k, out)
                cb = g * db(x, y, k, out)
            except (OverflowError, ZeroDivisionError):
                ca = chain(op, 0, g, x, y, k, out)
                cb = chain(op, 1, g, x, y, k, out)
        else:
            ca = chain(op, 0, g, a.data, b.data, k, out)
            cb = chain(op, 1, g, a.data, b.data, k, out)
        if checking:
            check_finite(node, "backward", ca)
            if cb is not None:
                check_finite(node, "backward", cb)
        a.grad += ca
        if cb is not None:
            b.grad += cb


def run_hooks(node) -> None:
    """Call the node's hooks on its grad in turn; a hook's number replaces the grad."""
    for hook in node._hooks:
        replacement = hook(node.grad)
        if replacement is not None:
            node.grad = as_float(replacement, "the value a gradient hook returned")

