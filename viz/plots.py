"""Training pictures with matplotlib: loss curves and activations with their derivatives.

Each function returns the matplotlib Figure and, given `path`, also saves it there
(the format from the suffix: .png, .svg, .pdf). Decision boundaries are in
viz/boundary.py. Without a display and without a
backend chosen, matplotlib is switched to Agg, so scripts and CI never need a GUI.

>>> figure = plot_activation("tanh")
>>> figure.axes[0].get_legend_handles_labels()[1]
['tanh(x)', 'd/dx = 1 - tanh(x)^2']
"""

import io
import math
import os
import sys
from numbers import Real
from pathlib import Path

import numpy as np

from autograd import OPS
from autograd.ops import format_constant
from autograd.value import evaluate
from nn import activations as nn_activations

from . import labels
from .engine import write_atomic

# The ops nn layers apply, as nn's activation table lists them; any unary op can be plotted.
ACTIVATIONS = tuple(a.op for a in nn_activations.ACTIVATIONS.values() if a.op is not None)
DEFAULT_CONSTANT = {"pow": 2.0}  # k for x^k; an activation's k (leaky_relu's slope) comes from nn's table
COLORS = ("#1c7ed6", "#f76707")  # training, validation
SAVE_DPI = 144


def pyplot():
    """matplotlib.pyplot, switched to the Agg backend first when no backend was chosen and there is no display."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules and not _backend_chosen(matplotlib) and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _backend_chosen(matplotlib) -> bool:
    if os.environ.get("MPLBACKEND"):
        return True
    try:
        return matplotlib.get_backend(auto_select=False) is not None  # matplotlib >= 3.10
    except TypeError:
        return dict.__getitem__(matplotlib.rcParams, "backend") is not matplotlib.rcsetup._auto_backend_sentinel


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def save_figure(figure, path) -> Path:
    """Save `figure` to `path` atomically, in the format its suffix names."""
    path = Path(path)
    format = path.suffix[1:].lower()
    supported = figure.canvas.get_supported_filetypes()
    if format not in supported:
        raise ValueError(f"path {str(path)!r} must end in one of {', '.join('.' + s for s in sorted(supported))}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=format, dpi=SAVE_DPI, bbox_inches="tight")
    return write_atomic(path, buffer.getvalue())


def _finish(figure, path):
    figure.tight_layout()
    if path is not None:
        save_figure(figure, path)
    return figure


# -- loss curves ------------------------------------------------------------
def _series(values, argument: str) -> np.ndarray:
    """Numbers (None for not measured) as a float array with NaN gaps."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{argument} must be a list of numbers, got {type(values).__name__}")
    try:
        return np.array([math.nan if v is None else float(v) for v in values], dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must hold numbers (or None where nothing was measured)") from None


def _history_curves(history) -> dict:
    """name -> array for the loss, and for val_loss, accuracy and val_accuracy when they were measured."""
    if hasattr(history, "loss"):
        curves = {"loss": _series(history.loss, "history.loss")}
        for name in ("val_loss", "accuracy", "val_accuracy"):
            values = _series(getattr(history, name, None) or [], f"history.{name}")
            if len(values) and not np.isnan(values).all():
                curves[name] = values
    else:
        curves = {"loss": _series(history, "history")}
    if not len(curves["loss"]):
        raise ValueError("history has no loss values yet; train first (or pass a non-empty list of losses)")
    return curves


def plot_loss(history, path=None):
    """Loss per epoch (with validation loss and accuracy when `history` has them) as a Figure.

    `history` is a list of losses or an object with a `.loss` list and optionally
    `.val_loss`, `.accuracy` and `.val_accuracy` (such as nn.History).
    """
    curves = _history_curves(history)
    plt = pyplot()
    has_accuracy = "accuracy" in curves or "val_accuracy" in curves
    figure, axes = plt.subplots(1, 2 if has_accuracy else 1, figsize=(10 if has_accuracy else 6, 4), squeeze=False)
    loss_axes = axes[0][0]
    _curve(loss_axes, curves["loss"], "training", COLORS[0])
    if "val_loss" in curves:
        _curve(loss_axes, curves["val_loss"], "validation", COLORS[1])
    finite = curves["loss"][np.isfinite(curves["loss"])]
    if len(finite) and finite.min() > 0 and finite.max() / finite.min() > 100:
        loss_axes.set_yscale("log")
    loss_axes.set(xlabel="epoch", ylabel="loss", title="Loss")
    if has_accuracy:
        accuracy_axes = axes[0][1]
        for name, label, color in (("accuracy", "training", COLORS[0]),
                                   ("val_accuracy", "validation", COLORS[1])):
            if name in curves:
                _curve(accuracy_axes, curves[name], label, color)
        accuracy_axes.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(-0.02, 1.02))
    for each in axes[0]:
        each.grid(alpha=0.3)
        if len(each.get_lines()) > 1:
            each.legend()
    return _finish(figure, path)


def _curve(axes, values, label, color):
    epochs = np.arange(1, len(values) + 1)
    axes.plot(epochs, values, label=label, color=color, marker="o" if len(values) <= 30 else None, markersize=3)


# -- activations ------------------------------------------------------------
def activation_curve(name: str, xs, k=None):
    """(f(xs), f'(xs)) of the unary op `name`, both from the op table; NaN outside the op's domain."""
    op, k = _unary(name), _constant(name, k)
    values, slopes = [], []
    for x in map(float, xs):
        if op.domain is not None and op.domain(x, 0.0, k) is not None:
            values.append(math.nan)
            slopes.append(math.nan)
            continue
        out = evaluate(op.forward, x, 0.0, k)
        values.append(out)
        slopes.append(evaluate(op.derivatives[0], x, 0.0, k, out))
    return np.array(values), np.array(slopes)


def _unary(name: str):
    """The op table's entry for `name`, if it is a one-operand op."""
    op = OPS.get(name)
    if op is None or op.arity != 1:
        unary = ", ".join(repr(n) for n, o in OPS.items() if o.arity == 1)
        raise ValueError(f"name must be a one-operand op of the op table ({unary}), got {name!r}")
    return op


def _constant(name: str, k) -> float:
    """The op's constant: `k`, or the op's usual one (leaky_relu's slope 0.01, pow's 2) when k is None."""
    if k is None:
        layer_constants = {a.op: a.constant for a in nn_activations.ACTIVATIONS.values() if a.op is not None}
        return DEFAULT_CONSTANT.get(name, layer_constants.get(name, 0.0))
    if isinstance(k, bool) or not isinstance(k, Real):
        raise TypeError(f"k must be a number (the op's constant, e.g. the leaky_relu slope), got {k!r}")
    return float(k)


def plot_activation(name: str, path=None, k=None, x_range=(-4.0, 4.0)):
    """The op `name` (tanh, sigmoid, relu, leaky_relu, or any unary op) and its derivative, from the op table."""
    op, k = _unary(name), _constant(name, k)
    xs = np.linspace(*_check_x_range(x_range), 801)
    values, slopes = activation_curve(name, xs, k)
    _check_drawable(op, k, x_range, xs, values)
    constant = format_constant(k)
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.axhline(0, color=labels.CELL_BORDER, linewidth=0.8)
    axes.axvline(0, color=labels.CELL_BORDER, linewidth=0.8)
    axes.plot(xs, values, color=COLORS[0], linewidth=2.2, label=op.expr.format(x="x", k=constant))
    axes.plot(xs, _break_jumps(slopes), color=labels.GRAD, linewidth=1.8, linestyle="--",
              label=f"d/dx = {op.rules[0].format(x='x', k=constant)}")
    axes.set(xlabel="x", title=f"{op.label(float(constant)) if op.has_constant else name} and its derivative",
             ylim=_visible_range(values, slopes))
    axes.grid(alpha=0.3)
    axes.legend()
    return _finish(figure, path)


def finite_span(low, high) -> bool:
    """True when low < high and both, and the width high - low, are finite: a grid between them can be drawn."""
    low, high = float(low), float(high)  # Python floats overflow to inf without numpy's warning
    return low < high and all(map(math.isfinite, (low, high, high - low)))


def _check_x_range(x_range) -> tuple:
    """(low, high) as floats, if x_range is a pair of finite numbers low < high with a finite width."""
    if (not isinstance(x_range, (tuple, list)) or len(x_range) != 2
            or not all(isinstance(v, Real) and not isinstance(v, bool) for v in x_range)
            or not finite_span(*x_range)):
        raise ValueError(f"x_range must be (low, high) with finite low < high and a finite width high - low, "
                         f"such as (-4, 4); got {x_range!r}")
    return float(x_range[0]), float(x_range[1])


def _check_drawable(op, k, x_range, xs, values):
    """ValueError naming x_range when the op has no finite value anywhere in it (outside its domain, overflow)."""
    if np.isfinite(values).any():
        return
    outside = next((found for found in (op.domain(x, 0.0, k) for x in xs) if found), None) if op.domain else None
    if outside:
        raise ValueError(f"x_range={tuple(x_range)!r} lies outside the domain of {op.name} ({op.name}: "
                         f"{outside[1]}); choose an x_range inside the domain")
    raise ValueError(f"x_range={tuple(x_range)!r} has no finite value of {op.name} (infinite or NaN all over it); "
                     f"choose an x_range where {op.name} is finite")


def _break_jumps(values):
    """NaN where the curve jumps (a kink's derivative), so the plot shows a step, not a steep line."""
    values = values.copy()
    steps = np.abs(np.diff(values))
    neighbours = np.maximum(np.concatenate([[0.0], steps[:-1]]), np.concatenate([steps[1:], [0.0]]))
    values[np.flatnonzero((steps > 0.25) & (steps > 10 * neighbours))] = np.nan
    return values


def _visible_range(*curves):
    """y limits that show the body of the curves, or None; a pole (1/x at 0) would flatten everything else."""
    finite = np.concatenate([c[np.isfinite(c)] for c in curves])
    low, high = np.percentile(finite, [2, 98])
    if finite.max() - finite.min() <= 3 * max(high - low, 1e-12):
        return None
    margin = 0.1 * (high - low)
    return low - margin, high + margin
