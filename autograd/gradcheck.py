"""Checking backprop against central finite differences.

>>> report = gradcheck(lambda x, y: (x * y).tanh(), [0.5, -1.2])
>>> report.ok
True
"""

import math
from dataclasses import dataclass

from .graph import backward
from .value import Value, _as_float


class GradcheckError(AssertionError):
    """Backprop and finite differences disagree."""


@dataclass(frozen=True)
class GradcheckReport:
    """Analytic and numeric gradients side by side, with the worst input named."""

    analytic: tuple
    numeric: tuple
    errors: tuple  # |analytic - numeric| - (atol + rtol * |numeric|), > 0 fails
    worst: int
    ok: bool

    def __str__(self):
        rows = [f"{'input':>5}  {'backprop':>14}  {'finite diff':>14}"]
        for i, (a, n) in enumerate(zip(self.analytic, self.numeric)):
            mark = "  <- worst" if i == self.worst else ""
            rows.append(f"{i:>5}  {a:>14.8g}  {n:>14.8g}{mark}")
        return "\n".join(rows)


def _check_tolerance(name, number, positive=False):
    """A finite number >= 0 (> 0 when `positive`), or an error naming `name`."""
    number = _as_float(number, name)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must be a finite {kind} number, got {number!r}")
    return number


def gradcheck(f, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4) -> GradcheckReport:
    """Compare backprop's gradients of `f(*inputs)` with central finite differences.

    `f` takes Values and returns one Value; `inputs` are numbers or Values. Returns
    a report; raises GradcheckError naming the worst input when they disagree.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of Values, got {type(f).__name__}")
    try:
        points = [x.data if isinstance(x, Value) else _as_float(x, "inputs") for x in inputs]
    except TypeError as error:
        raise TypeError(f"inputs must be a list of numbers or Values: {error}") from None
    if not points:
        raise ValueError("inputs must not be empty: give at least one point to differentiate at")
    bad = next((i for i, x in enumerate(points) if not math.isfinite(x)), None)
    if bad is not None:
        raise ValueError(f"inputs[{bad}] is {points[bad]!r}: finite differences need finite points")
    eps = _check_tolerance("eps", eps, positive=True)
    atol, rtol = _check_tolerance("atol", atol), _check_tolerance("rtol", rtol)

    def call(values):
        out = f(*values)
        if not isinstance(out, Value):
            raise TypeError(f"f must return a Value, got {type(out).__name__}")
        return out

    leaves = [Value(x) for x in points]
    backward(call(leaves))
    analytic = tuple(leaf.grad for leaf in leaves)
    numeric = []
    for i, x in enumerate(points):
        shifted = list(points)
        shifted[i] = x + eps
        up = call([Value(p) for p in shifted]).data
        shifted[i] = x - eps
        down = call([Value(p) for p in shifted]).data
        numeric.append((up - down) / (2 * eps))
    errors = tuple(
        abs(a - n) - (atol + rtol * abs(n)) if math.isfinite(a) and math.isfinite(n) else math.inf
        for a, n in zip(analytic, numeric)
    )
    worst = max(range(len(errors)), key=errors.__getitem__)
    report = GradcheckReport(analytic, tuple(numeric), errors, worst, errors[worst] <= 0)
    if not report.ok:
        raise GradcheckError(
            f"gradients disagree at input {worst} (x = {points[worst]!r}): backprop gives "
            f"{analytic[worst]!r}, finite differences give {numeric[worst]!r}\n{report}"
        )
    return report
