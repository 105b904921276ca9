"""micrograd's constructor form, Value(data, (a, b), '+'): a node made by an op, named by its symbol.

Learners arriving from micrograd's lecture build nodes by hand this way; the symbol
is micrograd's ('+', '*', '**2', 'ReLU', 'tanh', 'exp') or gradwalk's own.
"""

from .ops import OPS, TABLE

# micrograd's op strings beside gradwalk's symbols, for Value(data, children, op)
_ALIASES = {"ReLU": "relu", "**": "vpow"}


def _entry_for(symbol: str, arity: int):
    """(op entry, constant) that `symbol` names for `arity` operands, or ValueError naming `_op`."""
    if not isinstance(symbol, str):
        raise TypeError(f"_op must be an op symbol such as '+' or 'tanh', got {type(symbol).__name__}")
    for prefix in ("**", "^"):
        if symbol.startswith(prefix) and len(symbol) > len(prefix) and arity == 1:
            try:
                return OPS["pow"], float(symbol[len(prefix):])
            except ValueError:
                break
    name = _ALIASES.get(symbol, symbol)
    for entry in TABLE:
        if name in (entry.name, entry.symbol) and entry.arity == arity and not entry.has_constant:
            return entry, 0.0
    known = ", ".join(repr(e.symbol) for e in TABLE if not e.has_constant)
    raise ValueError(f"_op={symbol!r} with {arity} operand(s) is not an op gradwalk knows; use one of {known}, "
                     f"'**k' for a power or 'ReLU'")


def record(node, children, symbol, grad_enabled) -> None:
    """Make `node` the result of op `symbol` on `children` (micrograd's constructor form)."""
    if isinstance(children, (set, frozenset)) and len(children) == 2 and symbol not in ("+", "*"):
        raise ValueError(f"_children must be a tuple (x, y) for _op={symbol!r}: a set has no order")
    try:
        operands = list(children)
    except TypeError:
        raise TypeError(f"_children must be a tuple of the operand Values, got {type(children).__name__}") from None
    if not operands or len(operands) > 2 or not all(isinstance(c, type(node)) for c in operands):
        raise TypeError("_children must hold one or two Values (the operands), e.g. Value(4.0, (a, b), '+')")
    if not symbol:
        raise ValueError("give _op, the op that made this Value from its _children, e.g. Value(4.0, (a, b), '+')")
    entry, node.k = _entry_for(symbol, len(operands))
    if grad_enabled:
        node._entry, node._a, node._b = entry, operands[0], (operands[1] if len(operands) == 2 else None)
