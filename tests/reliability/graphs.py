"""Random programs with hostile leaves (1e-300..1e300, subnormals, 0, -0, NaN, inf) and the oracles they meet.

Unlike tests/autograd/programs.py, operands are NOT mapped into each op's domain:
log(0), x / 0, sqrt(-1) and 0 ** -1 happen, and the Value path must raise its
documented error exactly there. A program is (leaves, steps), each step
(op name, operand positions, constant).

The oracle for PyTorch is per edge: every node's value and every gradient
contribution g * d node / d operand is recomputed in torch float64 from *our*
operand values and upstream gradient. That checks each op at any magnitude
without the cancellation noise of comparing whole graphs.
"""

import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from autograd import OPS, TABLE, Value, contributions, local_gradients
from autograd.value import apply, evaluate
from tests.autograd.programs import programs as base_programs

OP_NAMES = tuple(op.name for op in TABLE)
POW_CONSTANTS = (2.0, 3.0, 0.5, -1.0, -2.0, 1.5, 0.0, 1.0)
SPECIAL = (0.0, -0.0, math.nan, math.inf, -math.inf, 1.0, -1.0, 0.5, 2.0)
SUBNORMAL = (5e-324, -1e-310, 2e-315)
DOMAIN_ERRORS = (ValueError, ZeroDivisionError)
# What IEEE arithmetic (numpy, numba) gives where the op table's domain check raises.
IEEE = {"log": lambda x, y, k: np.log(x), "sqrt": lambda x, y, k: np.sqrt(x), "div": lambda x, y, k: x / y,
        "pow": lambda x, y, k: x ** k, "vpow": lambda x, y, k: x ** y, "sin": lambda x, y, k: np.sin(x),
        "cos": lambda x, y, k: np.cos(x)}

extreme = st.builds(lambda sign, mantissa, exponent: sign * mantissa * 10.0 ** exponent,
                    st.sampled_from((-1.0, 1.0)), st.floats(1.0, 9.99), st.integers(-300, 300))


def leaf_values(moderate: bool = False):
    """Leaf numbers: moderate ones, specials (0, -0, NaN, inf), and unless `moderate` 1e-300..1e300 and subnormals."""
    options = [st.floats(-3.0, 3.0), st.sampled_from(SPECIAL)]
    if not moderate:
        options += [extreme, extreme, st.sampled_from(SUBNORMAL)]
    return st.one_of(*options)


def programs(moderate=False, max_leaves=4, max_steps=10, ops=OP_NAMES):
    """(leaves, steps): a random DAG with shared subexpressions and repeated operands (`a + a`), hostile leaves."""
    return base_programs(ops=ops, max_leaves=max_leaves, max_steps=max_steps, leaf=leaf_values(moderate),
                         pow_constants=POW_CONSTANTS)


def run_values(leaves, steps):
    """Build the program on Values: (nodes, None), or (nodes built so far, (step index, domain error))."""
    nodes = [Value(x) for x in leaves]
    for i, (name, operands, k) in enumerate(steps):
        try:
            nodes.append(apply(OPS[name], *(nodes[j] for j in operands), k=k))
        except DOMAIN_ERRORS as error:
            return nodes, (i, error)
    return nodes, None


def run_floats(leaves, steps):
    """The program as plain IEEE floats (the op table with numpy semantics, no domain errors).

    Returns (values, violations): every node's number, and the names of the ops
    whose operands were outside their domain somewhere in the program.
    """
    values, violations = list(leaves), []
    for name, operands, k in steps:
        op = OPS[name]
        x = values[operands[0]]
        y = values[operands[1]] if op.arity == 2 else 0.0
        if op.domain is not None and op.domain(x, y, k) is not None:
            violations.append(name)
            with np.errstate(all="ignore"):
                values.append(float(IEEE[name](np.float64(x), np.float64(y), k)))
        else:
            values.append(evaluate(op.forward, x, y, k))
    return values, violations


def kind(number: float) -> str:
    """'nan', '+inf', '-inf' or 'finite'."""
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "+inf" if number > 0 else "-inf"
    return "finite"


def same_number(ours: float, theirs: float, rel: float = 1e-13, tiny: float = 1e-307) -> bool:
    """Both NaN, the same infinity, or finite and within `rel` (absolutely within `tiny` among subnormals)."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    if math.isinf(ours) or math.isinf(theirs):
        return ours == theirs
    return abs(ours - theirs) <= rel * max(abs(ours), abs(theirs)) + tiny


# Known ways our numbers differ from torch's, each described in docs/reliability.md. Anything else
# fails the fuzz.
FORWARD_ULP = "within what 2 ulps of the op's output change (1 - tanh^2 near 1): conditioning, not a bug"
SIGNED_ZERO = "divergence: at -0.0 the infinite derivative's sign differs (torch's pow(-0.0, 0.5) goes through sqrt)"
MASKED = "divergence: upstream grad inf/NaN times a local derivative of 0 is NaN here, 0 in torch (where())"


TORCH_INTERMEDIATE = ("divergence: torch over/underflows in an intermediate (x ** -2 as 1 / (x * x)); "
                      "ours is the exact value, correctly rounded")


def exact_contribution(name, j, x, y, k, g):
    """g * d op / d operand j in exact rational arithmetic, rounded once; None where it is not rational."""
    if not all(math.isfinite(v) for v in (x, y, k, g)):
        return None
    x, y, g = Fraction(x), Fraction(y), Fraction(g)
    if name == "mul":
        exact = g * (y if j == 0 else x)
    elif name == "div" and y:
        exact = g / y if j == 0 else -g * x / (y * y)
    elif name == "pow" and k == int(k) and abs(k) <= 64 and (x or k >= 1):
        exact = int(k) * x ** (int(k) - 1) * g
    else:
        return None
    try:
        return float(exact)
    except OverflowError:
        return math.copysign(math.inf, exact)


def known_edge_difference(name, j, x, y, k, g, local, ours, theirs):
    """Which documented divergence explains ours != torch on edge j of op `name` with operands x, y, or None."""
    if not math.isfinite(g) and local == 0.0 and theirs == 0.0:
        return MASKED
    if any(v == 0.0 and math.copysign(1.0, v) < 0 for v in (x, y)) and g * local == -theirs:
        return SIGNED_ZERO
    exact = exact_contribution(name, j, x, y, k, g)
    if exact is not None and same_number(ours, exact) and not same_number(theirs, exact):
        return TORCH_INTERMEDIATE
    return None


def output_rounding(derivative, x, y, k, out) -> float:
    """How much `derivative` moves when its `out` argument moves by up to 2 ulps (0 if it does not read out)."""
    if not math.isfinite(out):
        return 0.0
    base = evaluate(derivative, x, y, k, out)
    nearby = [out]
    for direction in (math.inf, -math.inf):
        value = out
        for _ in range(2):
            value = math.nextafter(value, direction)
            nearby.append(value)
    moved = [abs(evaluate(derivative, x, y, k, o) - base) for o in nearby]
    return max(m for m in moved if math.isfinite(m)) if any(math.isfinite(m) for m in moved) else 0.0


def torch_node(name, x, y, k):
    """(output tensor, operand tensors) of op `name` on float64 leaves holding x (and y)."""
    import torch

    from tests.autograd.cases import torch_twin

    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    if OPS[name].arity == 1:
        return torch_twin(name, tx, tx, k), (tx,)
    ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    return torch_twin(name, tx, ty, k), (tx, ty)


def compare_edges(node, counts) -> list:
    """Check one node's value and its gradient contributions against torch; returns the unexplained mismatches.

    `counts` (a dict) is incremented per outcome: 'values', 'edges', and each known difference.
    """
    import torch

    op = node.op_info
    parents = node.parents
    x = parents[0].data
    y = parents[1].data if op.arity == 2 else 0.0
    out, leaves = torch_node(op.name, x, y, node.k)
    problems = []
    counts["values"] = counts.get("values", 0) + 1
    if not same_number(node.data, out.item()):
        problems.append(f"{op.name}(x={x!r}, y={y!r}, k={node.k!r}) = {node.data!r}, torch {out.item()!r}")
    g = node.grad
    theirs = torch.autograd.grad(out, leaves, grad_outputs=torch.tensor(g, dtype=torch.float64), allow_unused=True)
    for j, (local, ours) in enumerate(zip(local_gradients(node), contributions(node))):
        their = 0.0 if theirs[j] is None else theirs[j].item()
        counts["edges"] = counts.get("edges", 0) + 1
        if same_number(ours, their):
            continue
        # Derivatives read the op's output (1 - out^2 for tanh), which is itself rounded: one ulp of `out`
        # moves 1 - out^2 by up to 2e-16 absolutely, which is 1e-10 relatively when out is near 1. Torch
        # rounds its own way there (it uses an FMA), so allow what 2 ulps of `out` can change.
        if math.isfinite(their) and math.isfinite(ours) and abs(ours - their) <= 1e-13 * abs(their) + abs(g) * \
                output_rounding(op.derivatives[j], x, y, node.k, node.data):
            counts[FORWARD_ULP] = counts.get(FORWARD_ULP, 0) + 1
            continue
        reason = known_edge_difference(op.name, j, x, y, node.k, g, local, ours, their)
        if reason is None:
            problems.append(f"d {op.name}(x={x!r}, y={y!r}, k={node.k!r}) / d operand {j} with upstream {g!r}: "
                            f"ours {ours!r} (local {local!r}), torch {their!r}")
        else:
            counts[reason] = counts.get(reason, 0) + 1
    return problems


def absolute_gradients(order, root) -> dict:
    """Backprop with |local derivative| on every edge: how strongly rounding upstream reaches each node."""
    total = {root: 1.0}
    for node in reversed(order):
        # |contribution| of a non-negative upstream: upstream * |local|, or upstream / |x| for a quotient
        for parent, passed in zip(node.parents, contributions(node, total.get(node, 0.0))):
            total[parent] = total.get(parent, 0.0) + abs(passed)
    return total
