"""Decision boundaries: the class a model predicts at every point of the plane around 2-D data.

>>> import numpy as np
>>> X = np.array([[-1.0, 0.0], [1.0, 0.0]]); y = np.array([0, 1])
>>> figure = plot_decision_boundary(lambda x: x[0], X, y, resolution=20)  # positive x0 -> class 1
>>> figure.axes[0].get_title()
'Decision boundary (accuracy 100% on the 2 points)'
"""

import importlib.util
import sys
from numbers import Integral

import numpy as np

from autograd import Value, compile, no_grad
from autograd.tape import warm
from nn.activations import output_activation
from nn.traced import first_mismatch

from . import labels
from .engine import check_number
from .plots import _finish, finite_span, pyplot

MAX_FLOAT = sys.float_info.max
CHECKED_ROWS = 32  # rows on which the fast path's tape is checked against the model itself
# Nodes times rows the Value path evaluates in about a second (XOR's 2-4-1 MLP on a 150x150 grid is 1.1M):
# below this, a plot does not wait for the numba kernels to compile.
VALUE_PATH_NODES = 1_500_000

CLASS_COLORS = ("#1c7ed6", "#f76707", "#2f9e44", "#ae3ec9", "#e03131", "#0c8599", "#f59f00", "#495057")


def _row(out) -> list:
    """A model's answer for one sample as a list of floats (one per output)."""
    if isinstance(out, Value):
        return [out.data]
    if isinstance(out, (list, tuple)) and out:
        return [v.data if isinstance(v, Value) else float(v) for v in out]
    try:
        return [float(out)]
    except (TypeError, ValueError):
        raise TypeError(f"model must return a Value, a number or a list of them for one sample, "
                        f"got {type(out).__name__}") from None


def _tape(model, nin: int):
    """The model's graph built once on placeholder inputs and compiled into a tape; None if it cannot be."""
    inputs = [Value(0.0, label=f"x{i}") for i in range(nin)]
    try:
        out = model(inputs)
        return compile(out if isinstance(out, Value) else list(out), inputs=inputs)
    except (TypeError, ValueError):
        return None


def _agrees(model, points, outputs) -> bool:
    """Whether the tape's `outputs` match the model itself on CHECKED_ROWS rows spread over `points`."""
    checked = np.unique(np.linspace(0, len(points) - 1, CHECKED_ROWS).astype(np.int64))
    return first_mismatch(model, points[checked], outputs[checked]) is None


def _forward(tape, points, wait: bool):
    """The tape's outputs for every row of `points`; None when the Value path should draw instead of waiting.

    With wait=False, while the kernels are still to be compiled (or are compiling in the
    background), a graph small enough gives None, so that the Value path draws it at once.
    """
    if wait or warm.ready(len(points)) or len(tape.order) * len(points) > VALUE_PATH_NODES:
        return tape.forward(points)  # too big for the Value path: waits for the kernels, showing progress
    return None


def model_outputs(model, points, fast=None) -> np.ndarray:
    """A callable model's outputs for every row of `points`, shape (rows, outputs), recording no graph.

    `model` is called on one sample (a list of floats) and returns a Value, a
    number or a list of them. With numba installed (fast=None or True) and a model
    that accepts Values, its graph is compiled once into a tape that runs every row;
    with fast=None, a small graph is drawn on the Value path rather than waiting for
    the numba kernels to compile. A model whose graph depends on its input (a branch
    on x.data) disagrees with that tape on the rows checked; it is then called on
    every row (with Values).
    """
    wait = fast is not None
    if fast is None:
        fast = importlib.util.find_spec("numba") is not None
    tape = _tape(model, points.shape[1]) if fast else None
    if tape is not None:
        outputs = _forward(tape, points, wait)
        if outputs is not None and _agrees(model, points, outputs):
            return outputs
    with no_grad():
        if tape is None:
            return np.array([_row(model(point)) for point in points.tolist()])
        return np.array([_row(model([Value(x) for x in point])) for point in points.tolist()])


def _predict(model, points) -> np.ndarray:
    """Class labels from a predict method: one call on every row if it takes a batch, else one call per row."""
    try:
        predicted = np.asarray(model.predict(points))
    except (TypeError, ValueError, IndexError):
        predicted = None
    if predicted is None or predicted.shape[:1] != (len(points),):
        predicted = np.array([np.asarray(model.predict(point)).item() for point in points.tolist()])
    return predicted.ravel()


def _check_data(X, y):
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("X must be a table of numbers, shape (samples, 2)") from None
    if X.ndim != 2 or X.shape[1] != 2 or not len(X):
        raise ValueError(f"X must have shape (samples, 2): the boundary is drawn in the plane of two inputs; "
                         f"got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X must hold finite numbers (no NaN or infinity)")
    y = np.asarray(y).ravel()
    if len(y) != len(X) or not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"y must hold one numeric class label per row of X ({len(X)}), got {len(y)} entries "
                         f"of type {y.dtype}")
    if np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    return X, y


def _grid(X, resolution, padding):
    """Grid coordinates (gx, gy) and their rows: `resolution` points per axis over X widened by `padding` a side."""
    if isinstance(resolution, bool) or not isinstance(resolution, Integral) or not 10 <= resolution <= 1000:
        raise ValueError(f"resolution must be a whole number of grid points per axis from 10 to 1000, "
                         f"got {resolution!r}")
    padding = check_number(padding, "padding", 0.0, MAX_FLOAT, "a finite number >= 0 (the fraction of the "
                           "data's width added on each side, e.g. padding=0.1)")
    low, high = X.min(axis=0), X.max(axis=0)
    half = np.where(high > low, 0.0, 0.5 * np.maximum(1.0, np.abs(low)))  # a constant column still gets a width
    with np.errstate(over="ignore", invalid="ignore"):
        low, high = low - half, high + half
        span = high - low
        low, high = low - padding * span, high + padding * span
    if not all(finite_span(a, b) for a, b in zip(low, high)):
        raise ValueError(f"X widened by padding={padding:g} reaches beyond the largest float (X spans "
                         f"{X.min():.3g} to {X.max():.3g}); rescale X (e.g. standardize its columns) or lower padding")
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    return gx, gy, np.column_stack([gx.ravel(), gy.ravel()])


def _check_threshold(threshold):
    """`threshold` as a float, or None when it is not given."""
    if threshold is None:
        return None
    return check_number(threshold, "threshold", -MAX_FLOAT, MAX_FLOAT, "a finite number (the output above which "
                        "the class is y=1, e.g. threshold=0.5 for a sigmoid output) or None")


def _classify(model, points, classes, threshold, fast):
    """(predicted labels, outputs or None, the one-output threshold) for every row of `points`."""
    if not callable(model):
        if hasattr(model, "predict"):
            _no_threshold(threshold, "returns class labels from predict()")
            return _predict(model, points), None, None
        raise TypeError(f"model must be callable on one sample (a list of 2 numbers, like nn.MLP) or have a "
                        f"predict(X) method, got {type(model).__name__}")
    outputs = model_outputs(model, points, fast)
    if outputs.shape[1] > 1:
        _no_threshold(threshold, f"has {outputs.shape[1]} outputs (the largest wins)")
        return outputs.argmax(axis=1), outputs, None
    if len(classes) > 2:
        raise ValueError(f"y has {len(classes)} classes but the model has one output, which separates two; "
                         f"give the model one output per class")
    if threshold is None:
        threshold = output_activation(model).threshold
    negative, positive = (classes[0], classes[-1]) if len(classes) == 2 else (0, 1)
    return np.where(outputs[:, 0] > threshold, positive, negative), outputs, threshold


def _no_threshold(threshold, model_kind: str):
    """Refuse a threshold for a model that has no single output to compare with it."""
    if threshold is not None:
        raise ValueError(f"threshold applies only to a model with one output, but this model {model_kind}; "
                         f"leave threshold out")


def _margins(outputs, threshold) -> list:
    """Functions that are 0 on the boundary: score - threshold, or per class its score minus the best other."""
    if outputs.shape[1] == 1:
        return [outputs[:, 0] - threshold]
    margins = []
    for k in range(outputs.shape[1]):
        others = np.delete(outputs, k, axis=1).max(axis=1)
        margins.append(outputs[:, k] - others)
    return margins


def plot_decision_boundary(model, X, y, path=None, *, resolution=150, threshold=None, fast=None, padding=0.1):
    """The classes `model` predicts over the plane around the 2-D points X, with the points colored by y.

    `model` is called on one sample (a list of 2 floats, as nn.MLP is) and returns
    a Value or number (one output: class y=1 where it exceeds `threshold`, by
    default 0.5 for a sigmoid output_activation and 0 otherwise) or one per class
    (the argmax wins); or it has a predict(X) method returning class labels.
    """
    X, y = _check_data(X, y)
    threshold = _check_threshold(threshold)
    gx, gy, grid = _grid(X, resolution, padding)
    classes = np.unique(y)
    predicted, outputs, threshold = _classify(model, np.vstack([grid, X]), classes, threshold, fast)
    on_grid, on_data = predicted[: len(grid)], predicted[len(grid):]
    every_label = np.unique(np.concatenate([classes, np.unique(on_grid)]))
    plt = pyplot()
    from matplotlib.colors import ListedColormap

    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(len(every_label))]
    regions = np.searchsorted(every_label, on_grid).reshape(gx.shape)
    figure, axes = plt.subplots(figsize=(6.5, 5.5))
    axes.contourf(gx, gy, regions, levels=np.arange(len(every_label) + 1) - 0.5, cmap=ListedColormap(colors),
                  alpha=0.22)
    if outputs is not None:
        margins = [m.reshape(gx.shape) for m in _margins(outputs[: len(grid)], threshold)]
    else:  # labels only: the boundary follows the grid
        margins = [regions - (i + 0.5) for i in range(len(every_label) - 1)]
    for margin in margins:
        if margin.min() < 0 < margin.max():
            axes.contour(gx, gy, margin, levels=[0.0], colors=labels.INK, linewidths=1.6)
    for i, label in enumerate(every_label):
        chosen = y == label
        if chosen.any():
            axes.scatter(X[chosen, 0], X[chosen, 1], color=colors[i], edgecolor="white", linewidth=0.6, s=36,
                         label=f"y = {label}", zorder=3)
    accuracy = float(np.mean(on_data == y))
    axes.set(xlabel="x0", ylabel="x1", xlim=(gx.min(), gx.max()), ylim=(gy.min(), gy.max()),
             title=f"Decision boundary (accuracy {accuracy:.0%} on the {len(X)} points)")
    axes.legend(loc="upper right", framealpha=0.9)
    return _finish(figure, path)
