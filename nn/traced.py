"""Checking a tape traced from a model against the model itself, on a few rows.

A tape records the graph a model built once, at the inputs it was traced with.
A model whose graph depends on its input's numbers (a branch on x.data, a
constant computed from x.data) builds a different graph for other inputs, and
the tape would silently compute another function. Comparing the tape with the
Value path on a few rows catches that: the same graph agrees to rounding.

A graph that depends on the parameters' numbers (a branch on w.data) can also
change while training; a check before training cannot see that.

>>> from autograd import Value, compile
>>> def sign_gate(x):  # a branch on the input's number
...     return x[0] * 2.0 if x[0].data > 0 else x[0] * -1.0
>>> x = [Value(0.0)]
>>> tape = compile([sign_gate(x)], inputs=x)  # traced at 0: the -1.0 branch
>>> rows = np.array([[-1.0], [3.0]])
>>> first_mismatch(sign_gate, rows, tape.forward(rows))
1
"""

import numpy as np

from autograd import Value, no_grad

# Agreement within this relative distance (absolute below 1) counts as the same graph: the tape may
# sum a layer in another order than the Value path, which changes the last bits only.
TOLERANCE = 1e-12
PROBE_SCALES = (0.5, 1.0, 3.0, 10.0)


def probe_rows(nin: int, count: int = 8) -> np.ndarray:
    """`count` fixed rows of `nin` inputs: every column positive in row 0 and negative in row 1, random signs
    after, magnitudes from about 0.5 to 10s (branches on a sign or a threshold land on both sides)."""
    rng = np.random.default_rng(0)
    signs = rng.choice([-1.0, 1.0], size=(count, nin))
    signs[0], signs[1] = 1.0, -1.0
    scales = np.resize(np.array(PROBE_SCALES), count)[:, None]
    return np.abs(rng.standard_normal((count, nin)) + 0.5) * scales * signs


def _value_row(out) -> list:
    """The model's answer for one sample as floats (a Value, a number, or a list of them)."""
    if isinstance(out, (list, tuple)):
        return [v.data if isinstance(v, Value) else float(v) for v in out]
    return [out.data if isinstance(out, Value) else float(out)]


def first_mismatch(model, rows: np.ndarray, traced: np.ndarray):
    """Index of the first row where `traced` (a tape's outputs) differs from the model's, or None.

    The model is called on each row as Values, as it was when traced.

    Rows where the model raises (e.g. a log outside its domain) are skipped: the
    tape's own domain checks refuse those.
    """
    with no_grad():
        for i, row in enumerate(rows.tolist()):
            try:
                expected = np.array(_value_row(model([Value(x) for x in row])), dtype=np.float64)
            except (ValueError, ArithmeticError):
                continue
            got = np.asarray(traced[i], dtype=np.float64).ravel()
            if expected.shape != got.shape:
                return i
            scale = np.maximum(1.0, np.maximum(np.abs(expected), np.abs(got)))
            with np.errstate(invalid="ignore"):
                close = (np.abs(expected - got) <= TOLERANCE * scale) | (expected == got)
            if not (close | (np.isnan(expected) & np.isnan(got))).all():
                return i
    return None


def check_model_tape(tape, model, n_targets: int) -> None:
    """Refuse a training tape (loss, then the model's outputs; inputs, then targets) that disagrees with the model.

    Checked on probe_rows: a training backend has no data yet when it compiles.
    """
    rows = probe_rows(model.nin)
    columns = np.hstack([rows, np.zeros((len(rows), n_targets))])
    try:
        outputs = tape.forward(columns)[:, 1:]
    except ValueError:  # some probe left an op's domain: compare the rows that run
        outputs = np.full((len(rows), len(tape.outputs) - 1), np.nan)
        for i in range(len(rows)):
            try:
                outputs[i] = tape.forward(columns[i:i + 1])[0, 1:]
            except ValueError:
                rows[i] = np.nan  # the model refuses it too, or is skipped by first_mismatch below
    usable = ~np.isnan(rows).any(axis=1)
    bad = first_mismatch(model, rows[usable], outputs[usable])
    if bad is not None:
        row = rows[usable][bad]
        raise ValueError(f"backend='numba' runs the graph the model built once, at placeholder inputs, but this "
                         f"model builds another graph for other inputs (at x = {np.round(row, 3).tolist()} its "
                         f"outputs differ from the traced graph's), e.g. it branches on x.data or computes with "
                         f"x.data; train it with backend='value'")
