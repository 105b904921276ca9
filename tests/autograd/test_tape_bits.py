"""The tape's outputs and gradients keep their exact bits across changes to the compiler.

tape_bits.json holds a SHA-256 of every forward output and gradient array of tanh and relu
MLPs at batch sizes from 1 (one block, the serial kernels) to 2,561 (eleven blocks, the
parallel kernels), made on one platform. Regenerate it (only when a change is meant to move
bits) with `python -m tests.autograd.test_tape_bits --record`.
"""

import hashlib
import json
import os
import platform
import sys

import numpy as np
import pytest

from autograd import Value, backward, compile
from tests.autograd.mlp import mlp

RECORD = os.path.join(os.path.dirname(__file__), "tape_bits.json")
SIZES = ([2, 16, 16, 1], [2, 64, 64, 1], [3, 7, 5, 2], [2, 13, 1])
BATCHES = (1, 3, 128, 129, 640, 2561)
CASES = [(act, sizes, n) for act in ("tanh", "relu") for sizes in SIZES for n in BATCHES]


def _name(activation, sizes, n):
    return f"{activation} {sizes} n={n}"


def where_recorded() -> dict:
    """What the exact bits can depend on: the machine type, the libm behind it, numba and numpy."""
    import llvmlite
    import numba

    return {"machine": platform.machine(), "system": sys.platform, "libc": "-".join(platform.libc_ver()),
            "numpy": np.__version__, "numba": numba.__version__, "llvmlite": llvmlite.__version__,
            "jit": os.environ.get("NUMBA_DISABLE_JIT", "0") != "1"}


def _case(activation, sizes, n):
    """(model, input leaves, params, X): the same seeded MLP and batch for every run."""
    model, params = mlp(sizes, seed=sum(sizes) + n, activation=activation)
    x = [Value(0.0) for _ in range(sizes[0])]
    X = np.random.default_rng(n).normal(size=(n, sizes[0]))
    return model, x, params, X


def tape_arrays(activation, sizes, n, rows=None) -> dict:
    """Every output column and, per output, the parameter (and for 3 inputs, input) gradients through the tape.

    With `rows`, only those samples' outputs, and gradients seeded by those samples alone (1/n each).
    """
    model, x, params, X = _case(activation, sizes, n)
    out = model(x)
    outputs = out if isinstance(out, list) else [out]
    tape = compile(outputs, inputs=x, params=params, input_grads=sizes[0] == 3)
    arrays = {"forward": np.ascontiguousarray(tape.forward(X))}
    seed = None
    if rows is not None:
        arrays["forward"] = arrays["forward"][rows]
        seed = np.zeros(n)
        seed[rows] = 1.0 / n
    for k in range(len(outputs)):
        arrays[f"backward{k}"] = tape.backward(seed=seed, output=k)
        if tape.input_gradients is not None:
            arrays[f"inputs{k}"] = np.ascontiguousarray(tape.input_gradients if rows is None else tape.input_gradients[rows])
    return arrays


def value_arrays(activation, sizes, n, rows) -> dict:
    """The same arrays for samples `rows`, computed one sample at a time on Values (each weighted 1/n)."""
    model, x, params, X = _case(activation, sizes, n)
    n_out = sizes[-1]
    forward = np.zeros((len(rows), n_out))
    grads = np.zeros((n_out, len(params)))
    inputs = np.zeros((n_out, len(rows), len(x)))
    for s, row in enumerate(X[rows]):
        for leaf, value in zip(x, row):
            leaf.data = float(value)
        out = model(x)
        outputs = out if isinstance(out, list) else [out]
        for k in range(n_out):
            for leaf in params + x:
                leaf.grad = 0.0
            backward(outputs[k])
            forward[s, k] = outputs[k].data
            grads[k] += [p.grad for p in params]
            inputs[k, s] = [leaf.grad / n for leaf in x]
    arrays = {"forward": forward}
    for k in range(n_out):
        arrays[f"backward{k}"] = grads[k] / n
        if sizes[0] == 3:
            arrays[f"inputs{k}"] = inputs[k]
    return arrays


def digest(array) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float64).tobytes()).hexdigest()[:32]


def _load():
    with open(RECORD) as f:
        return json.load(f)


@pytest.mark.parametrize("activation,sizes,n", CASES, ids=[_name(*c) for c in CASES])
def test_tape_bits_are_unchanged(activation, sizes, n):
    """Bit for bit against the record where it was made (same machine type, libc, numpy, numba, JIT on).

    Elsewhere the exact bits may differ (libm, another numba), so the same tape is compared with
    the Value path instead, to 1e-12 of each array's largest entry: the outputs of up to 40 of the
    samples, and the gradients seeded by those samples alone (the others' seed is 0).
    """
    record = _load()
    if record["where"] == where_recorded():
        ours = tape_arrays(activation, sizes, n)
        expected = record["cases"][_name(activation, sizes, n)]
        assert {key: digest(a) for key, a in ours.items()} == expected
        return
    rows = np.unique(np.linspace(0, n - 1, min(n, 40)).astype(int))  # the Value path is slow: 40 samples at most
    ours, expected = tape_arrays(activation, sizes, n, rows), value_arrays(activation, sizes, n, rows)
    assert ours.keys() == expected.keys()
    for key, array in ours.items():
        assert np.abs(array - expected[key]).max() <= 1e-12 * (np.abs(expected[key]).max() + 1e-300), key


def record() -> None:
    """Write tape_bits.json from the current tape (atomically)."""
    cases = {_name(*c): {key: digest(a) for key, a in tape_arrays(*c).items()} for c in CASES}
    text = json.dumps({"where": where_recorded(), "cases": cases}, indent=1, sort_keys=True) + "\n"
    with open(RECORD + ".tmp", "w") as f:
        f.write(text)
    os.replace(RECORD + ".tmp", RECORD)


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python -m tests.autograd.test_tape_bits --record")
    record()
