"""Checks at the edges of a tape: its leaves, its batches, and domain errors inside a pass."""

from numbers import Real

import numpy as np

from ..value import Value


def check_inputs(leaves, argument: str) -> list:
    """A list of distinct leaf Values, or a TypeError/ValueError naming `argument`."""
    if isinstance(leaves, Value):
        raise TypeError(f"{argument} must be a list of Values, got a single Value; wrap it: [{argument[:-1]}]")
    try:
        leaves = list(leaves)
    except TypeError:
        raise TypeError(f"{argument} must be a list of Values, got {type(leaves).__name__}") from None
    for i, leaf in enumerate(leaves):
        if not isinstance(leaf, Value):
            raise TypeError(f"{argument}[{i}] must be a Value, got {type(leaf).__name__}")
        if leaf.op is not None:
            raise ValueError(f"{argument}[{i}] must be a leaf (made by Value(...), not by an op), got a {leaf.op} node")
    if len(set(leaves)) != len(leaves):
        raise ValueError(f"{argument} lists the same Value twice; list each once")
    return leaves


def check_leaves(inputs, params) -> None:
    """Inputs vary per sample and params are shared: a leaf cannot be both."""
    both = set(inputs) & set(params)
    if both:
        label = next(iter(both)).label or "(no label)"
        raise ValueError(f"Value {label} is in both inputs and params; a leaf is one or the other")


def check_samples(X, n_inputs: int) -> np.ndarray:
    """X as a C-contiguous float64 matrix of shape (samples, n_inputs)."""
    if _ready(X, 2) and X.shape[1] == n_inputs and X.shape[0]:  # as a training loop passes it: checked in ~0.2 us
        return X
    if X is None:
        if n_inputs == 0:
            return np.zeros((1, 0))
        raise TypeError(f"X must be a 2-D array of numbers (samples x {n_inputs} inputs), got None")
    X = _as_float_array(X, "X", f"a 2-D array of numbers (samples x {n_inputs} inputs)")
    if X.ndim == 1 and n_inputs == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] != n_inputs:
        raise ValueError(f"X must have shape (samples, {n_inputs}), one column per input; got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError("X has no rows; give at least one sample")
    return X


def check_seed(seed, n_samples: int) -> np.ndarray:
    """`seed` (d loss / d output per sample) as a contiguous float64 vector of n_samples entries."""
    if _ready(seed, 1) and seed.shape[0] == n_samples:
        return seed
    seed = _as_float_array(seed, "seed", f"one number per sample, shape ({n_samples},)")
    if seed.shape != (n_samples,):
        raise ValueError(f"seed must have one entry per sample, shape ({n_samples},), got {seed.shape}")
    return seed


def _ready(array, ndim: int) -> bool:
    """Whether `array` is already a C-contiguous float64 numpy array of `ndim` dimensions."""
    return type(array) is np.ndarray and array.dtype == np.float64 and array.ndim == ndim and array.flags.c_contiguous


def _as_float_array(data, argument: str, expected: str) -> np.ndarray:
    """`data` as a C-contiguous float64 array; None inside (which numpy would make NaN) is refused."""
    if data is None:
        raise TypeError(f"{argument} must be {expected}, got None")
    try:
        array = np.asarray(data)
        if array.dtype.kind == "c":
            raise TypeError("it holds complex numbers")
        if array.dtype == object:
            for item in array.flat:
                if not isinstance(item, Real):
                    raise TypeError(f"it holds {type(item).__name__} {item!r}, not a real number")
        return np.ascontiguousarray(array, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{argument} must be {expected}: {error}") from None
    except OverflowError:  # a Python int beyond the largest float
        raise ValueError(f"{argument} holds an integer beyond the float range (about 1.8e308); "
                         f"rescale the data") from None


def check_domain(tape, vals) -> None:
    """Raise as the Value path would when an op's operands left its domain for some sample."""
    p = tape._plan
    instructions = p.instructions
    for t, op in p.checked:
        left, right, out = instructions.left[t], instructions.right[t], instructions.out[t]
        x_row = vals[left]
        y_row = vals[right] if right >= 0 else np.zeros_like(x_row)
        # Leaving a domain shows as a non-finite result, except at an infinite operand, where
        # IEEE may take a finite limit the op table refuses ((-inf) ** -1.5 is 0).
        bad = ~(np.isfinite(vals[out]) & np.isfinite(x_row) & np.isfinite(y_row))
        if not bad.any():
            continue
        for sample in np.flatnonzero(bad):
            problem = op.domain(float(x_row[sample]), float(y_row[sample]), float(instructions.constant[t]))
            if problem is not None:
                error, message = problem
                node = p.slot_nodes[out]
                names = ", ".join(f"{q.label or 'operand'} = {float(vals[tape.slot[q], sample])!r}"
                                  for q in node.parents)
                raise error(f"{op.name}: {message}; got {names} at sample {sample} "
                            f"(node {node.label or '(no label)'})")
