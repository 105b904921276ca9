"""What one step changed: every weight's move drawn on the network, and the loss change foretold beside the real one.

Gradient descent rests on a first-order promise: moving the parameters by d
changes the loss by about g . d, where g is the gradient; for plain SGD
(d = -lr * g) that is -lr * |g|^2. `step_diff` measures both sides on your data.
With a small learning rate they agree; with one too large the real change is far
from the prediction (often of the other sign), which is what "the step
overshoots" means.

>>> import nn
>>> X, y = nn.make_moons(40, seed=0)
>>> model = nn.MLP(2, [3, 1], seed=0)
>>> small = step_diff(model, X, y, "bce_with_logits", lr=0.01)
>>> abs(small.actual_change / small.predicted_change - 1) < 0.05
True
>>> huge = step_diff(model, X, y, "bce_with_logits", lr=100.0)
>>> huge.actual_change > huge.predicted_change / 2  # the promised drop did not happen
True
"""

import re
from dataclasses import dataclass

import graphviz
import numpy as np

from . import labels
from .engine import Diagram, check_number

INCREASE, DECREASE = "#1971c2", "#e03131"  # blue: the weight grew; red: it shrank
_LABEL = re.compile(r"(?:L(\d+)\.)?(?:N(\d+)\.)?(?:w(\d+)|(b))")


@dataclass(frozen=True)
class StepDiff:
    """Two parameter snapshots of one model, the gradient at the first, and the loss at both."""

    names: list  # parameter labels, e.g. 'L0.N3.w1', in model.parameters() order
    before: np.ndarray
    after: np.ndarray
    gradient: np.ndarray  # d loss / d parameter at `before`
    loss_before: float
    loss_after: float
    lr: float = None

    @property
    def change(self) -> np.ndarray:
        """How far each parameter moved: after - before."""
        return self.after - self.before

    @property
    def predicted_change(self) -> float:
        """The first-order prediction g . (after - before); -lr * |g|^2 for a plain SGD step."""
        return float(self.gradient @ self.change)

    @property
    def actual_change(self) -> float:
        """loss(after) - loss(before), measured."""
        return self.loss_after - self.loss_before

    def as_dict(self) -> dict:
        """The numbers as plain data: per parameter its values, change and gradient, and the loss changes."""
        return dict(lr=self.lr, loss_before=self.loss_before, loss_after=self.loss_after,
                    predicted_change=self.predicted_change, actual_change=self.actual_change,
                    parameters={name: dict(before=float(b), after=float(a), change=float(a - b), gradient=float(g))
                                for name, b, a, g in zip(self.names, self.before, self.after, self.gradient)})

    def __str__(self):
        rule = f" (-lr * |g|^2, lr = {self.lr:g})" if self.lr is not None else " (g . change)"
        return (f"loss {self.loss_before:.6g} -> {self.loss_after:.6g}\n"
                f"predicted change {self.predicted_change:+.6g}{rule}\n"
                f"actual change    {self.actual_change:+.6g}")

    def to_dot(self) -> graphviz.Digraph:
        """The network left to right: each weight an edge colored by its move (blue up, red down, width by size)."""
        return _network(self)

    def diagram(self, engine=None) -> Diagram:
        """The network as a Diagram: `.render('step.svg')`, `.svg()`, or shown in Jupyter."""
        return Diagram(self.to_dot().source, engine)

    def render(self, path, format=None, **render_options):
        """Write the diagram to `path` (.svg, .png, .pdf or .gv); returns the path."""
        return self.diagram().render(path, format, **render_options)

    def _repr_svg_(self):
        return self.diagram().svg()


def step_diff(model, X, y, loss, *, lr=None, before=None, after=None) -> StepDiff:
    """Compare the loss of `model` on (X, y) at parameters `before` and `after` with the first-order prediction.

    before: the parameters (an array in model.parameters() order); default the
    model's current ones. after: the parameters to compare with; default one
    plain SGD step, before - lr * gradient (then lr is required). loss: a name in
    nn.losses.LOSSES or a function (predictions, targets) -> Value, as for nn.fit.
    The model's parameters are left as they were.
    """
    from nn.backends import ValueBackend
    from nn.losses import get_loss
    from nn.module import Module
    from nn.validate import check_samples

    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn model such as MLP, got {type(model).__name__}")
    params = model.parameters()
    X = check_samples(X, model.nin, "X")
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"y must hold one label per row of X ({len(X)}), got {np.shape(y)}")
    backend = ValueBackend(model, get_loss(loss))
    if lr is not None:
        lr = check_number(lr, "lr", 0.0, np.inf, "a positive learning rate such as 0.1", low_allowed=False)
    saved = np.array([p.data for p in params])
    before = saved.copy() if before is None else _check_params(before, len(params), "before")
    if after is None and lr is None:
        raise ValueError("give lr (to take one plain SGD step from before) or after (the parameters to compare with)")
    try:
        _load(params, before)
        loss_before = backend.loss_and_grads(X, y).loss
        gradient = np.array([p.grad for p in params])
        after = before - lr * gradient if after is None else _check_params(after, len(params), "after")
        _load(params, after)
        loss_after = backend.evaluate(X, y).loss
    finally:
        _load(params, saved)
        for p in params:
            p.grad = 0.0
    return StepDiff([p.label for p in params], before, after, gradient, float(loss_before), float(loss_after), lr)


def _load(params, values) -> None:
    for p, value in zip(params, values.tolist()):
        p.data = value


def _check_params(values, n: int, argument: str) -> np.ndarray:
    try:
        values = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must be an array of {n} numbers in model.parameters() order "
                        f"(e.g. a TrainingRecorder frame's params)") from None
    if values.shape != (n,):
        raise ValueError(f"{argument} must have shape ({n},), one number per parameter, got {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError(f"{argument} must hold finite numbers (no NaN or infinity)")
    return values


def _color(change: float, largest: float) -> str:
    """Blue (up) or red (down), paler the smaller the move compared with the largest."""
    strength = 0.25 + 0.75 * (abs(change) / largest if largest else 0.0)
    base = INCREASE if change > 0 else DECREASE if change < 0 else labels.MUTED
    return "#" + "".join(f"{round(255 + (int(base[i:i + 2], 16) - 255) * strength):02x}" for i in (1, 3, 5))


def _structure(names) -> dict:
    """label -> (layer, neuron, input index or None for a bias), from nn's parameter labels."""
    found = {}
    for name in names:
        match = _LABEL.fullmatch(name or "")
        if match is None:
            raise ValueError(f"step_diff draws nn models whose parameters are labelled like 'L0.N3.w1' and "
                             f"'L0.N3.b'; parameter {name!r} is not")
        layer, neuron, k, _ = match.groups()
        found[name] = (int(layer or 0), int(neuron or 0), None if k is None else int(k))
    return found


def _network(diff: StepDiff) -> graphviz.Digraph:
    structure = _structure(diff.names)
    change = diff.change
    largest = float(np.abs(change).max()) if len(change) else 0.0
    # ordering="out" keeps each layer's neurons in their order, as the edges leave the layer before.
    dot = graphviz.Digraph("step", graph_attr=dict(rankdir="LR", ordering="out", ranksep="1.1", nodesep="0.12",
                                                   fontname=labels.FONT, bgcolor="white", pad="0.2"),
                           node_attr=dict(fontname=labels.FONT, fontsize=str(labels.FONT_SIZE), color=labels.EDGE),
                           edge_attr=dict(arrowsize="0.4", fontname=labels.FONT, fontsize="9"))
    neurons = sorted({(layer, j) for layer, j, _ in structure.values()})
    inputs = sorted({k for layer, _, k in structure.values() if layer == 0 and k is not None})
    for k in inputs:
        dot.node(f"x{k}", label=f"x{k}", shape="box", style="filled", fillcolor=labels.LEAF_FILL)
    bias = {(layer, j): i for i, (layer, j, k) in enumerate(structure.values()) if k is None}
    for layer, j in neurons:
        name = f"L{layer}.N{j}"
        text, fill = name, labels.NODE_FILL
        if (layer, j) in bias:
            b = bias[(layer, j)]
            text += f"\nb {change[b]:+.2g}"
            fill = _color(change[b], largest)
        dot.node(name, label=labels.text_label(text), shape="circle", style="filled", fillcolor=fill,
                 fixedsize="true", width="1.0", fontsize="11", tooltip=name)
    few = len(diff.names) <= 40  # numbers on the edges only where they stay readable
    for i, (name, (layer, j, k)) in enumerate(structure.items()):
        if k is None:
            continue
        tail = f"x{k}" if layer == 0 else f"L{layer - 1}.N{k}"
        move = f"{name}: {diff.before[i]:.4g} -> {diff.after[i]:.4g} ({change[i]:+.3g})"
        width = 0.6 + 5.4 * (abs(change[i]) / largest if largest else 0.0)
        dot.edge(tail, f"L{layer}.N{j}", id=name, color=_color(change[i], largest), penwidth=f"{width:.2f}",
                 tooltip=move, **({"label": labels.text_label(f"{change[i]:+.2g}")} if few else {}))
    dot.attr(label=_legend(diff, largest), labelloc="t", labeljust="l")
    return dot


def _legend(diff: StepDiff, largest: float) -> str:
    """The colors' meaning and the loss change, predicted beside actual, as an HTML-like table."""
    rule = f"-lr |g|\u00b2, lr = {diff.lr:g}" if diff.lr is not None else "g \u00b7 change"
    rows = [[labels.cell(labels.html_text("grew (edges: weights, circles: biases)"), "#ffffff", INCREASE)],
            [labels.cell(labels.html_text("shrank"), "#ffffff", DECREASE)],
            [labels.cell(labels.html_text(f"width: size of the move (largest {largest:.3g})"), "#ffffff")],
            [labels.cell(labels.html_text(f"loss {diff.loss_before:.5g} \u2192 {diff.loss_after:.5g}"), "#ffffff")],
            [labels.cell(labels.html_text(f"predicted change {diff.predicted_change:+.4g} ({rule})"), "#ffffff")],
            [labels.cell(labels.html_text(f"actual change {diff.actual_change:+.4g}"), "#ffffff")]]
    return labels.table(rows)
