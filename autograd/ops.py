"""The op table: every operation a Value graph can record, as data.

Each `Op` holds the forward function, one local-derivative function per operand,
and the text the stepper and the diagrams show. The Value path, the numba tape
kernels, the stepper and viz all read this one table, so adding an operation
means adding one entry here.

Every function takes plain floats so numba can compile it unchanged:

* ``forward(x, y, k)``: ``x`` and ``y`` are the operands (``y`` is 0.0 for unary
  ops) and ``k`` is the op's constant (the exponent of ``x ** 2``, the slope of
  ``leaky_relu``; 0.0 when the op has none).
* ``derivatives[i](x, y, k, out)``: d out / d operand i, given the result ``out``.
* ``graph_derivatives[i](x, y, k, out)``: the same derivative built from Value
  operations on the Values x, y and out (or a float where it is constant), so
  a gradient can itself be differentiated (`autograd.grad(..., create_graph=True)`).
* ``divisors[i](x, y, k, out)`` (optional, None per operand without one): for a
  derivative that is ``1 / divisor``, backprop passes ``g / divisor`` rather than
  ``g * (1 / divisor)``, which is inf for a subnormal divisor even when ``g / divisor``
  is finite (``log``'s 1/x, ``div``'s 1/y; PyTorch divides too). The same function
  serves floats and Values, so `grad()` divides as well.
* ``domain(x, y, k)``: ``(exception class, message)`` when the operands are
  outside the op's domain, else None. Only the Python side calls it.
* ``from_output`` (unary ops): True when ``derivatives[0]`` reads ``out`` alone. The
  numba tape then applies the op inside a dense layer and never stores its input.

Templates use ``{x}``, ``{y}``, ``{k}`` and ``{out}``: the stepper fills them
with names (``rules``) or with numbers (``numerics``).

>>> OPS["tanh"].rules[0]
'1 - tanh({x})^2'
>>> OPS["mul"].derivatives[1](3.0, 4.0, 0.0, 12.0)
3.0
"""

import math
from dataclasses import dataclass
from typing import Callable, Optional

# exp(x) is finite exactly when x <= log(largest float).
LOG_MAX = 709.782712893384


@dataclass(frozen=True)
class Op:
    """One operation: its maths, its derivatives and how to explain them."""

    name: str
    arity: int
    symbol: str  # short text for the op node in diagrams, may use {k}
    expr: str  # the result as an expression of its operands, e.g. "tanh({x})"
    forward: Callable[[float, float, float], float]
    derivatives: tuple  # one (x, y, k, out) -> float per operand
    rules: tuple  # one symbolic template per operand, e.g. "1 - tanh({x})^2"
    numerics: tuple  # the same rule with numbers, e.g. "1 - ({out})^2"
    domain: Optional[Callable[[float, float, float], Optional[tuple]]] = None
    has_constant: bool = False  # True when `k` is part of the op (pow, leaky_relu)
    graph_derivatives: tuple = ()  # the derivatives again, built from Value ops (for grad of grad)
    divisors: Optional[tuple] = None  # per operand: None, or what backprop divides the upstream by
    from_output: bool = False  # derivatives[0] reads only `out`
    code: int = -1  # position in TABLE, the opcode of the numba tape

    def label(self, k: float = 0.0) -> str:
        """The op node's text in a diagram, e.g. '+' or '^2'."""
        return self.symbol.format(k=format_constant(k))


def format_constant(k: float) -> str:
    """A constant as a teacher writes it: 2 rather than 2.0."""
    return str(int(k)) if float(k).is_integer() and abs(k) < 1e15 else repr(float(k))


def _not_integer(y: float) -> bool:
    return math.isfinite(y) and not float(y).is_integer()


def _pow_domain(x: float, y: float) -> Optional[tuple]:
    if x == 0.0 and y < 0.0:
        return ZeroDivisionError, "0 cannot be raised to a negative power (it divides by zero)"
    if x < 0.0 and _not_integer(y):
        return ValueError, "a negative number raised to a non-integer power is not a real number"
    return None


def _vpow_exponent_derivative(x: float, y: float, k: float, out: float) -> float:
    """d(x ** y)/dy = x ** y * log(x); at x == 0 it is 0 for y >= 0, as in PyTorch, and NaN otherwise."""
    if x > 0.0:
        return out * math.log(x)
    if x == 0.0 and y >= 0.0:
        return 0.0
    return math.nan  # a negative base, a NaN exponent, or 0 ** negative (outside the domain)


def _finite_domain(x: float, y: float, k: float) -> Optional[tuple]:
    if math.isinf(x):
        return ValueError, "needs a finite x (infinity has no sine or cosine)"
    return None


_ENTRIES = [
    # name, arity, symbol, expr, forward, derivatives, rules, numerics, extras
    ("add", 2, "+", "{x} + {y}",
     lambda x, y, k: x + y,
     (lambda x, y, k, out: 1.0, lambda x, y, k, out: 1.0),
     ("1", "1"), ("1", "1"), dict(graph_derivatives=(lambda x, y, k, out: 1.0, lambda x, y, k, out: 1.0))),
    ("sub", 2, "-", "{x} - {y}",
     lambda x, y, k: x - y,
     (lambda x, y, k, out: 1.0, lambda x, y, k, out: -1.0),
     ("1", "-1"), ("1", "-1"), dict(graph_derivatives=(lambda x, y, k, out: 1.0, lambda x, y, k, out: -1.0))),
    ("mul", 2, "*", "{x} * {y}",
     lambda x, y, k: x * y,
     (lambda x, y, k, out: y, lambda x, y, k, out: x),
     ("{y}", "{x}"), ("{y}", "{x}"), dict(graph_derivatives=(lambda x, y, k, out: y, lambda x, y, k, out: x))),
    ("div", 2, "/", "{x} / {y}",
     lambda x, y, k: x / y,
     # -(x / y) / y, not -x / (y * y): y * y over/underflows for |y| outside ~1e-154..1e154.
     (lambda x, y, k, out: 1.0 / y, lambda x, y, k, out: -(x / y) / y),
     ("1 / {y}", "-{x} / {y}^2"), ("1 / {y}", "-{x} / {y}^2"),
     dict(domain=lambda x, y, k: (ZeroDivisionError, "division by zero") if y == 0.0 else None,
          graph_derivatives=(lambda x, y, k, out: 1.0 / y, lambda x, y, k, out: -(x / y) / y),
          divisors=(lambda x, y, k, out: y, None))),
    ("neg", 1, "neg", "-{x}",
     lambda x, y, k: -x,
     (lambda x, y, k, out: -1.0,),
     ("-1",), ("-1",), dict(graph_derivatives=(lambda x, y, k, out: -1.0,))),
    ("pow", 1, "^{k}", "{x}^{k}",
     lambda x, y, k: x ** k,
     (lambda x, y, k, out: 0.0 if k == 0.0 else k * x ** (k - 1.0),),
     ("{k} * {x}^({k} - 1)",), ("{k} * {x}^({k} - 1)",),
     dict(domain=lambda x, y, k: _pow_domain(x, k), has_constant=True,
          graph_derivatives=(lambda x, y, k, out: 0.0 if k == 0.0 else k * x ** (k - 1.0),))),
    ("vpow", 2, "^", "{x}^{y}",
     lambda x, y, k: x ** y,
     (lambda x, y, k, out: 0.0 if y == 0.0 else y * x ** (y - 1.0), _vpow_exponent_derivative),
     ("{y} * {x}^({y} - 1)", "{x}^{y} * log({x})"),
     ("{y} * {x}^({y} - 1)", "{out} * log({x})"),
     dict(domain=lambda x, y, k: _pow_domain(x, y),
          graph_derivatives=(lambda x, y, k, out: 0.0 if y.data == 0.0 else y * x ** (y - 1.0),
                             lambda x, y, k, out: out * x.log() if x.data > 0.0 else
                             _vpow_exponent_derivative(x.data, y.data, k, out.data)))),
    ("exp", 1, "exp", "exp({x})",
     lambda x, y, k: math.inf if x > LOG_MAX else math.exp(x),
     (lambda x, y, k, out: out,),
     ("exp({x})",), ("{out}",), dict(graph_derivatives=(lambda x, y, k, out: out,), from_output=True)),
    ("log", 1, "log", "log({x})",
     lambda x, y, k: math.log(x),
     (lambda x, y, k, out: 1.0 / x,),
     ("1 / {x}",), ("1 / {x}",),
     dict(domain=lambda x, y, k: (ValueError, "needs x > 0 (log of a non-positive number)") if x <= 0.0 else None,
          graph_derivatives=(lambda x, y, k, out: 1.0 / x,), divisors=(lambda x, y, k, out: x,))),
    ("sqrt", 1, "sqrt", "sqrt({x})",
     lambda x, y, k: math.sqrt(x),
     (lambda x, y, k, out: 0.5 / out,),
     ("1 / (2 * sqrt({x}))",), ("1 / (2 * {out})",),
     dict(domain=lambda x, y, k: (ValueError, "needs x >= 0 (square root of a negative number)") if x < 0.0 else None,
          graph_derivatives=(lambda x, y, k, out: 0.5 / out,))),
    ("tanh", 1, "tanh", "tanh({x})",
     lambda x, y, k: math.tanh(x),
     (lambda x, y, k, out: 1.0 - out * out,),
     ("1 - tanh({x})^2",), ("1 - ({out})^2",),
     dict(graph_derivatives=(lambda x, y, k, out: 1.0 - out * out,), from_output=True)),
    ("sigmoid", 1, "sigmoid", "sigmoid({x})",
     lambda x, y, k: 1.0 / (1.0 + math.exp(-x)) if x >= 0.0 else math.exp(x) / (1.0 + math.exp(x)),
     (lambda x, y, k, out: out * (1.0 - out),),
     ("sigmoid({x}) * (1 - sigmoid({x}))",), ("{out} * (1 - {out})",),
     dict(graph_derivatives=(lambda x, y, k, out: out * (1.0 - out),), from_output=True)),
    ("relu", 1, "relu", "relu({x})",
     lambda x, y, k: 0.0 if x <= 0.0 else x,
     (lambda x, y, k, out: 0.0 if out <= 0.0 else 1.0,),  # out > 0 exactly when x > 0 (and NaN gives 1 both ways)
     ("1 if {x} > 0 else 0",), ("1 if {x} > 0 else 0",),
     dict(graph_derivatives=(lambda x, y, k, out: 0.0 if x.data <= 0.0 else 1.0,), from_output=True)),
    ("leaky_relu", 1, "leaky_relu({k})", "leaky_relu({x}, {k})",
     lambda x, y, k: x if x > 0.0 else k * x,
     (lambda x, y, k, out: 1.0 if x > 0.0 else k,),
     ("1 if {x} > 0 else {k}",), ("1 if {x} > 0 else {k}",),
     dict(has_constant=True,
          graph_derivatives=(lambda x, y, k, out: 1.0 if x.data > 0.0 else k,))),
    ("abs", 1, "abs", "|{x}|",
     lambda x, y, k: abs(x),
     (lambda x, y, k, out: 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0),),
     ("sign({x})",), ("sign({x})",), dict(graph_derivatives=(lambda x, y, k, out: 1.0 if x.data > 0.0 else (-1.0 if x.data < 0.0 else 0.0),))),
    ("sin", 1, "sin", "sin({x})",
     lambda x, y, k: math.sin(x),
     (lambda x, y, k, out: math.cos(x),),
     ("cos({x})",), ("cos({x})",),
     dict(domain=_finite_domain,
          graph_derivatives=(lambda x, y, k, out: x.cos(),))),
    ("cos", 1, "cos", "cos({x})",
     lambda x, y, k: math.cos(x),
     (lambda x, y, k, out: -math.sin(x),),
     ("-sin({x})",), ("-sin({x})",),
     dict(domain=_finite_domain,
          graph_derivatives=(lambda x, y, k, out: -x.sin(),))),
]

TABLE = tuple(
    Op(name, arity, symbol, expr, forward, derivatives, rules, numerics, code=code, **extras)
    for code, (name, arity, symbol, expr, forward, derivatives, rules, numerics, extras)
    in enumerate(_ENTRIES)
)
OPS = {op.name: op for op in TABLE}
UNARY = tuple(op.name for op in TABLE if op.arity == 1)
BINARY = tuple(op.name for op in TABLE if op.arity == 2)
