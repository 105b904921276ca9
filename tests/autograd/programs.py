"""Random expression DAGs for property tests, runnable on Values and on torch tensors.

A program is a list of leaf numbers and a list of steps (op name, operand positions,
constant); operands may repeat (`a + a`) and any earlier node may be reused, so
programs have shared subexpressions. Operands of ops with a restricted domain are
first mapped into it (`t * t + 0.5`), identically on both sides.
"""

from hypothesis import strategies as st

from autograd import OPS, TABLE
from autograd.value import apply

POW_CONSTANTS = (2.0, 3.0, 0.5, -1.0, -2.0, 1.5)
SLOPES = (0.01, 0.2)
POSITIVE_FIRST = {"log", "sqrt", "vpow", "pow"}
POSITIVE_SECOND = {"div"}


@st.composite
def programs(draw, ops=tuple(op.name for op in TABLE), max_leaves=4, max_steps=12,
             leaf=st.floats(-2.0, 2.0, allow_nan=False), pow_constants=POW_CONSTANTS):
    """Draw (leaves, steps) for a random DAG over the given op names, leaves drawn from `leaf`."""
    leaves = draw(st.lists(leaf, min_size=1, max_size=max_leaves))
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(ops))
        available = len(leaves) + len(steps)
        operands = tuple(draw(st.integers(0, available - 1)) for _ in range(OPS[name].arity))
        k = draw(st.sampled_from(pow_constants if name == "pow" else SLOPES if name == "leaky_relu" else (0.0,)))
        steps.append((name, operands, k))
    return leaves, steps


def _positive(t):
    return t * t + 0.5


def run_values(leaves, steps):
    """Evaluate a program as Values; returns (leaf Values, all nodes)."""
    nodes = [_leaf(x) for x in leaves]
    for name, operands, k in steps:
        args = [nodes[i] for i in operands]
        nodes.append(_step(name, args, k, lambda n, a, kk: apply(OPS[n], *a, k=kk)))
    return nodes[: len(leaves)], nodes


def run_torch(leaves, steps, torch_twin):
    """Evaluate a program as float64 torch tensors; returns (leaf tensors, all nodes)."""
    import torch

    nodes = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    for name, operands, k in steps:
        args = [nodes[i] for i in operands]
        nodes.append(_step(name, args, k, lambda n, a, kk: torch_twin(n, a[0], a[-1], kk)))
    return nodes[: len(leaves)], nodes


def _leaf(x):
    from autograd import Value

    return Value(x)


def _step(name, args, k, call):
    if name in POSITIVE_FIRST:
        args[0] = _positive(args[0])
    if name in POSITIVE_SECOND:
        args[1] = _positive(args[1])
    return call(name, args, k)
