"""Value: one number in a computation graph, with the gradient backprop gives it.

>>> a = Value(2.0, label="a")
>>> b = a * a + 1
>>> b.data
5.0
>>> b.backward()
>>> a.grad
4.0

A Value holds no closures: the op table says how to differentiate it, so a graph
has no reference cycles and is freed as soon as the last name goes away.

micrograd's idioms work too: ``v._prev`` (the set of operands), ``v._op`` (the op's
symbol, '' for a leaf), ``v._backward()`` (one node's share of backprop, as the
lecture walks it by hand) and ``Value(data, (a, b), '+')``.
"""

import itertools
import weakref
from numbers import Real

from .chain import evaluate
from .display import mimebundle
from .micrograd import record
from .modes import check_finite, current, where
from .floats import as_float as _as_float
from .ops import OPS, Op

_ids = itertools.count(1)
_hook_changes = [0]  # bumped whenever a hook is added or removed, so callers can cache who has hooks
_ADD = OPS["add"]
_SUB = OPS["sub"]
_MUL = OPS["mul"]
_DIV = OPS["div"]
_NEG = OPS["neg"]
_POW = OPS["pow"]
_VPOW = OPS["vpow"]
_EXP = OPS["exp"]
_LOG = OPS["log"]
_SQRT = OPS["sqrt"]
_TANH = OPS["tanh"]
_SIGMOID = OPS["sigmoid"]
_RELU = OPS["relu"]
_LEAKY_RELU = OPS["leaky_relu"]
_ABS = OPS["abs"]
_SIN = OPS["sin"]
_COS = OPS["cos"]


class Value:
    """A scalar that records the operation that made it, so it can be differentiated."""

    # The operands live in two slots rather than a tuple: one object per node fewer
    # for the cyclic garbage collector to track, which is most of the cost of building.
    __slots__ = ("data", "grad", "_entry", "_a", "_b", "_label", "k", "id", "scope", "origin", "_hooks",
                 "__weakref__")

    def __init__(self, data, _children=(), _op: str = "", label: str = ""):
        """A leaf holding `data`: Value(2.0) or Value(2.0, label="x").

        micrograd's form Value(data, (a, b), '+') records a node made by an op from its
        operands (in order) with `data` as given; `_op` is a micrograd or gradwalk
        symbol ('+', '*', '**2', 'ReLU', 'tanh', ...).
        """
        if isinstance(_children, str):  # Value(data, "x"): gradwalk's positional label
            _children, label = (), _children
        self.data = _as_float(data)
        self.grad = 0.0
        self._entry = None
        self._a = self._b = None
        self._label = label if label == "" else check_label(label)
        self.k = 0.0
        self.id = next(_ids)
        self._hooks = None
        modes = current()
        self.scope = modes.scope
        self.origin = where() if modes.anomaly else None
        if _children or _op:
            record(self, _children, _op, modes.grad_enabled)

    @property
    def label(self) -> str:
        """The name diagrams and the stepper show ('' for none: they number it v1, v2, ...)."""
        return self._label

    @label.setter
    def label(self, text) -> None:
        self._label = check_label(text)

    @property
    def op(self):
        """The name of the operation that made this Value, or None for a leaf."""
        return None if self._entry is None else self._entry.name

    @property
    def parents(self) -> tuple:
        """The operands this Value was computed from, in order; repeats kept (`a + a` has two)."""
        if self._a is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)

    @property
    def op_info(self) -> Op:
        """The op table entry that made this Value (None for a leaf)."""
        return self._entry

    @property
    def _prev(self) -> set:
        """micrograd's view of the operands: a set (so `a + a` shows `a` once; `parents` keeps both)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's view of the op: its symbol as diagrams show it ('+', '^2', 'tanh'), '' for a leaf."""
        return "" if self._entry is None else self._entry.label(self.k)

    def is_leaf(self) -> bool:
        """True for a Value that no operation made (an input or a parameter)."""
        return self._entry is None

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value({self.data!r}, grad={self.grad!r}{label})"

    def __float__(self):
        return self.data

    # -- arithmetic ---------------------------------------------------------
    def __add__(self, other):
        return apply(_ADD, self, other)

    def __radd__(self, other):
        return apply(_ADD, other, self)

    def __sub__(self, other):
        return apply(_SUB, self, other)

    def __rsub__(self, other):
        return apply(_SUB, other, self)

    def __mul__(self, other):
        return apply(_MUL, self, other)

    def __rmul__(self, other):
        return apply(_MUL, other, self)

    def __truediv__(self, other):
        return apply(_DIV, self, other)

    def __rtruediv__(self, other):
        return apply(_DIV, other, self)

    def __neg__(self):
        return apply(_NEG, self)

    def __pow__(self, other):
        if isinstance(other, Value):
            return apply(_VPOW, self, other)
        if isinstance(other, Real) and not isinstance(other, bool):
            return apply(_POW, self, k=_as_float(other, "the exponent of pow"))
        return NotImplemented

    def __rpow__(self, other):
        return apply(_VPOW, other, self)

    # -- functions ----------------------------------------------------------
    def exp(self):
        """e ** self."""
        return apply(_EXP, self)

    def log(self):
        """Natural logarithm; self must be positive."""
        return apply(_LOG, self)

    def sqrt(self):
        """Square root; self must not be negative."""
        return apply(_SQRT, self)

    def tanh(self):
        """Hyperbolic tangent, an activation with outputs in (-1, 1)."""
        return apply(_TANH, self)

    def sigmoid(self):
        """Logistic function 1 / (1 + e^-x), an activation with outputs in (0, 1)."""
        return apply(_SIGMOID, self)

    def relu(self):
        """max(0, self); its derivative at 0 is taken as 0, as in PyTorch."""
        return apply(_RELU, self)

    def leaky_relu(self, slope: float = 0.01):
        """self if positive else slope * self; the derivative at 0 is `slope`, as in PyTorch."""
        return apply(_LEAKY_RELU, self, k=_as_float(slope, "slope"))

    def abs(self):
        """|self|; its derivative at 0 is taken as 0, as in PyTorch."""
        return apply(_ABS, self)

    def sin(self):
        """Sine (radians)."""
        return apply(_SIN, self)

    def cos(self):
        """Cosine (radians)."""
        return apply(_COS, self)

    __abs__ = abs

    # -- gradients ----------------------------------------------------------
    def backward(self, grad: float = 1.0):
        """Fill in d self / d node as `.grad` of every node this Value depends on."""
        from .graph import backward

        backward(self, grad)

    def _backward(self):
        """One node's share of backprop, as micrograd's lecture walks it: operand.grad += self.grad * local.

        The same chain-rule step backward() and the stepper take at this node; a leaf does nothing.
        """
        from .chain import propagate

        propagate((self,), current().anomaly)

    def backward_steps(self):
        """A BackpropStepper that runs backprop from this Value one node at a time, explaining each step."""
        from .stepper import BackpropStepper

        return BackpropStepper(self)

    def register_hook(self, hook):
        """Call hook(grad) when backward has this node's gradient; a returned number replaces it.

        Returns a handle whose remove() unregisters the hook. The hook belongs to this
        node: every thread's passes run it, and it goes when the node goes.
        """
        if not callable(hook):
            raise TypeError(f"hook must be a function of the gradient, got {type(hook).__name__}")
        self._hooks = (self._hooks or ()) + (hook,)
        _hook_changes[0] += 1
        return _HookHandle(self, hook)

    @property
    def hooks(self) -> tuple:
        """The gradient hooks registered on this node, in the order they run."""
        return self._hooks or ()

    def detach(self):
        """A new leaf with the same number, cut off from this graph."""
        return Value(self.data, label=self.label)

    # -- pictures -----------------------------------------------------------
    def draw(self, **options):
        """A diagram of this Value's graph that Jupyter shows as SVG (options as for viz.to_dot)."""
        from .display import drawing_layer

        return drawing_layer(required="Value.draw").draw(self, **options)

    def _repr_mimebundle_(self, include=None, exclude=None):
        """What Jupyter shows: the graph's diagram from the drawing layer, or this repr without one."""
        return mimebundle(self, "value_mimebundle", repr(self))


class _HookHandle:
    """Returned by Value.register_hook; remove() takes the hook away again."""

    def __init__(self, node, hook):
        self._node, self._hook = weakref.ref(node), hook  # a handle does not keep the graph alive

    def remove(self):
        """Unregister the hook (doing it twice is harmless)."""
        node = self._node()
        if node is None or node._hooks is None or self._hook not in node._hooks:
            return
        hooks = list(node._hooks)
        hooks.remove(self._hook)
        node._hooks = tuple(hooks) or None
        _hook_changes[0] += 1


def hook_changes() -> int:
    """How many times a hook was added or removed anywhere: unchanged means every node's hooks are as they were."""
    return _hook_changes[0]


def check_label(text) -> str:
    """`text` if it is a str that can be written out (no lone surrogates), else an error naming the label."""
    if type(text) is str and (not text or text.isascii()):
        return text
    if not isinstance(text, str):
        raise TypeError(f"label must be a str, got {type(text).__name__} {text!r}; e.g. y.label = \"y\"")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = text[error.start]
        raise ValueError(f"label {text!r} holds the lone surrogate U+{ord(bad):04X}, which no file or page can "
                         f"hold; use proper Unicode text") from None
    return text


def _operand(x, op: Op) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, Real) and not isinstance(x, bool):
        return _leaf(_as_float(x, f"an operand of {op.name}"), current())
    raise TypeError(f"{op.name} takes Values or real numbers, got {type(x).__name__} {x!r}")


def _leaf(data: float, modes) -> Value:
    """A leaf for a number used as an operand (`x * 2`): Value(data) without the constructor's checks."""
    leaf = _new(Value)
    leaf.data = data
    leaf.grad = 0.0
    leaf._entry = leaf._a = leaf._b = None
    leaf._label = ""
    leaf.k = 0.0
    leaf.id = next(_ids)
    leaf.scope = modes.scope
    leaf._hooks = None
    leaf.origin = where() if modes.anomaly else None
    return leaf


def _describe(op: Op, parents, k: float) -> str:
    names = ("x", "y")
    shown = ", ".join(
        f"{names[i]} = {p.data!r}" + (f" (label {p.label!r})" if p.label else "")
        for i, p in enumerate(parents)
    )
    constant = f", k = {k!r}" if op.has_constant else ""
    return f"{shown}{constant}"


def apply(op: Op, a, b=None, k: float = 0.0) -> Value:
    """Record `op` applied to the operands and return the result as a new Value."""
    if type(a) is not Value:
        a = _operand(a, op)
    x = a.data
    if op.arity == 1:
        b = None
        y = 0.0
    else:
        if type(b) is not Value:
            b = _operand(b, op)
        y = b.data
    modes = current()
    if op.domain is not None:
        problem = op.domain(x, y, k)
        if problem is not None and not (modes.ieee_division and problem[0] is ZeroDivisionError):
            error, message = problem
            raise error(f"{op.name}: {message}; got {_describe(op, (a,) if b is None else (a, b), k)}")
    out = _new(Value)
    try:
        out.data = op.forward(x, y, k)
    except (OverflowError, ZeroDivisionError):
        out.data = evaluate(op.forward, x, y, k)
    out.grad = 0.0
    out._label = ""
    out.k = k
    out.id = next(_ids)
    out.scope = modes.scope
    out._hooks = None
    if modes.grad_enabled:
        out._entry = op
        out._a = a
        out._b = b
    else:
        out._entry = out._a = out._b = None
    if modes.anomaly:
        out.origin = where()
        check_finite(out, "forward")
    else:
        out.origin = None
    return out


_new = object.__new__
