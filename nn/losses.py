"""Loss functions built from Value operations, so backprop, the stepper and diagrams see every step.

Every loss takes ``(predictions, targets)``: one prediction per sample (a Value or
a number; a list of them for K-output losses) and one target per sample. The
result is one Value, the mean over samples (over all elements for mse), as
PyTorch's default ``reduction="mean"``.

Each loss is one `Loss`: a per-sample term written without branches on the data,
plus how its targets and outputs are checked. Calling it builds the mean of the
term over the batch; ``fit(backend="numba")`` compiles the same term into its tape.
The branch-free forms are also the numerically stable ones: max(a, b) is
(a + b + |a - b|) / 2 and log(e^a + e^b) = max(a, b) + log(1 + e^-|a - b|).

>>> from autograd import Value
>>> loss = mse([Value(0.5), Value(2.0)], [1.0, 2.0])
>>> loss.data  # ((0.5 - 1)^2 + 0) / 2
0.125
>>> hinge([Value(0.3)], [-1]).data  # the margin is violated by 1.3
1.3
>>> z = Value(0.0)
>>> loss = bce_with_logits([z], [1])
>>> round(loss.data, 6), (loss.backward(), z.grad)[1]  # the slope at 0 is sigmoid(0) - 1
(0.693147, -0.5)
"""

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from autograd import Value, name_scope

from .validate import check_choice, check_classes, check_labels, check_numbers

# binary_cross_entropy clamps probabilities into [EPSILON, 1 - EPSILON], so p = 0
# or 1 gives a large finite loss (-log(1e-12) = 27.6) instead of infinity; where
# the clamp acts the gradient is 0, as with torch.clamp.
EPSILON = 1e-12

# How targets become the columns a term reads: one per sample, one per output, or a class index one-hot.
TARGET_ENCODINGS = ("column", "columns", "one_hot")
# How many outputs per sample a loss takes: exactly one, any number, or K >= 2 class scores.
OUTPUT_KINDS = ("one", "any", "classes")


@dataclass(frozen=True, eq=False)
class Loss:
    """One loss, defined once: its per-sample term and its checks, read by both training backends.

    term(outputs, targets): one sample's loss from its outputs (a list of Values)
    and its target columns (Values or floats), with no branch on their values, so
    a compiled tape computes the same function for every sample. check_targets
    (targets, n, nout, argument) returns the targets as a float array or raises
    naming `argument`; check_outputs(outputs, argument), when given, refuses an
    (n, nout) array of outputs the loss cannot take.
    """

    name: str
    term: Callable
    check_targets: Callable
    targets: str = "column"
    outputs: str = "one"
    check_outputs: Optional[Callable] = None
    per_output: bool = False  # the mean is over every output of every sample (mse), not over samples
    argument: str = "predictions"  # what the first argument is called in messages
    doc: str = ""

    def __post_init__(self):
        check_choice(self.targets, TARGET_ENCODINGS, "targets")
        check_choice(self.outputs, OUTPUT_KINDS, "outputs")
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise ValueError(f"name must be a Python identifier such as 'mse', got {self.name!r}")
        for field in ("term", "check_targets"):
            if not callable(getattr(self, field)):
                raise TypeError(f"{field} must be a function, got {getattr(self, field)!r}")
        object.__setattr__(self, "__name__", self.name)  # reads like a function in messages and help()
        object.__setattr__(self, "__doc__", self.doc or f"The {self.name} loss: mean of its per-sample term.")

    def __repr__(self):
        return f"<loss {self.name}>"

    def width(self, nout: int) -> int:
        """How many target columns one sample has for a model with `nout` outputs."""
        return 1 if self.targets == "column" else nout

    def divisor(self, n: int, nout: int) -> int:
        """What the batch's sum of terms is divided by: samples, or samples x outputs."""
        return n * nout if self.per_output else n

    def check_output_count(self, nout: int) -> None:
        """Refuse a number of outputs per sample this loss cannot take."""
        if self.outputs == "one" and nout != 1:
            raise ValueError(f"{self.name} takes one output per sample, but the model has {nout}; "
                             f"use cross_entropy (or mse) for models with several outputs")
        if self.outputs == "classes" and nout < 2:
            raise ValueError(f"{self.name} needs at least 2 scores per sample; for one output use bce_with_logits")

    def check(self, targets, n: int, nout: int, argument: str = "targets") -> np.ndarray:
        """The targets of n samples for a model with nout outputs, checked on arrays; raises naming `argument`."""
        self.check_output_count(nout)
        return self.check_targets(targets, n, nout, argument)

    def columns(self, targets: np.ndarray, nout: int) -> np.ndarray:
        """Checked targets as the (n, width) float columns the term reads."""
        n = len(targets)
        if self.targets == "one_hot":
            columns = np.zeros((n, nout))
            columns[np.arange(n), targets.astype(np.int64)] = 1.0
            return columns
        return targets.reshape(n, -1)

    def __call__(self, predictions, targets) -> Value:
        """The mean of the term over the samples, as one Value."""
        with name_scope(self.name):
            rows = _prediction_rows(predictions, self.outputs, self.argument, self.name)
            nout = len(rows[0])
            goal = self.columns(self.check(targets, len(rows), nout), nout).tolist()
            if self.check_outputs is not None:
                self.check_outputs(np.array([[v.data for v in row] for row in rows]), self.argument)
            total = self.term(rows[0], goal[0])
            for row, target in zip(rows[1:], goal[1:]):
                total = total + self.term(row, target)
            return total / self.divisor(len(rows), nout)


# -- reading predictions (the Value path) -----------------------------------------------------------
def _as_value(x, argument: str, i) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        return Value(float(x))
    raise TypeError(f"{argument}[{i}] must be a Value or a number, got {type(x).__name__}; "
                    f"give one prediction per sample")


def _listed(predictions, argument: str) -> list:
    """`predictions` as a list (one Value becomes a list of one), or a clear error."""
    if isinstance(predictions, Value):
        return [predictions]
    try:
        return list(predictions)
    except TypeError:
        raise TypeError(f"{argument} must be a list with one prediction per sample, "
                        f"got {type(predictions).__name__}") from None


def _scalars(predictions, argument: str) -> list:
    """One Value per sample, or a clear error (e.g. for K-output predictions)."""
    predictions = _listed(predictions, argument)
    if not predictions:
        raise ValueError(f"{argument} is empty: give at least one sample")
    for i, p in enumerate(predictions):
        if isinstance(p, (list, tuple)):
            raise ValueError(f"{argument}[{i}] is a list of {len(p)}, but this loss takes one output per sample; "
                             f"use cross_entropy (or mse) for models with several outputs")
    return [_as_value(p, argument, i) for i, p in enumerate(predictions)]


def _rows(predictions, argument: str) -> list:
    """A list of K Values per sample, all rows of the same length K."""
    try:
        rows = [list(row) for row in predictions]
    except TypeError:
        raise TypeError(f"{argument} must hold one list of K scores per sample (K = number of classes)") from None
    if not rows:
        raise ValueError(f"{argument} is empty: give at least one sample")
    k = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != k:
            raise ValueError(f"{argument}[{i}] has {len(row)} scores but {argument}[0] has {k}: "
                             f"every sample needs one score per class")
    return [[_as_value(z, f"{argument}[{i}]", j) for j, z in enumerate(row)] for i, row in enumerate(rows)]


def _prediction_rows(predictions, outputs: str, argument: str, name: str) -> list:
    """The predictions as n rows of Values, one row per sample."""
    if outputs == "one":
        return [[v] for v in _scalars(predictions, argument)]
    listed = _listed(predictions, argument)
    if outputs == "any" and not (listed and isinstance(listed[0], (list, tuple))):
        return [[v] for v in _scalars(listed, argument)]
    rows = _rows(listed, argument)
    if outputs == "classes" and len(rows[0]) < 2:
        raise ValueError(f"{name} needs at least 2 scores per sample; for one output use bce_with_logits")
    return rows


# -- checks on arrays ---------------------------------------------------------------------------------
def _numbers(targets, n: int, nout: int, argument: str) -> np.ndarray:
    """n finite numbers (one output), or an (n, nout) array of them."""
    if nout == 1:
        return check_labels(targets, n, None, argument)
    goal = check_numbers(targets, argument)
    if goal.shape != (n, nout):
        raise ValueError(f"{argument} must have shape ({n}, {nout}) like predictions, got {goal.shape}")
    return goal


def _unit_interval(loss: str) -> Callable:
    """A check_targets for n targets in [0, 1] that names `loss` in its error."""
    def check(targets, n: int, nout: int, argument: str) -> np.ndarray:
        goal = check_labels(targets, n, None, argument)
        outside = (goal < 0) | (goal > 1)
        if outside.any():
            i = int(np.argmax(outside))
            raise ValueError(f"{argument}[{i}] = {goal[i]:g}, but {loss} needs targets in [0, 1]; "
                             f"map -1/+1 labels with (y + 1) / 2")
        return goal
    return check


def _signs(targets, n: int, nout: int, argument: str) -> np.ndarray:
    return check_labels(targets, n, (-1, 1), argument,
                        hint="hinge needs -1/+1 labels: convert 0/1 labels with 2 * y - 1")


def _class_indices(targets, n: int, nout: int, argument: str) -> np.ndarray:
    return check_classes(targets, n, nout, argument).astype(np.float64)


def _probabilities(outputs: np.ndarray, argument: str) -> None:
    """Refuse outputs outside [0, 1] (NaN too): clamping them would train with a zero gradient."""
    outside = ~((outputs >= 0.0) & (outputs <= 1.0))
    if outside.any():
        i = int(np.argmax(outside.any(axis=1)))
        raise ValueError(f"{argument}[{i}] = {float(outputs[i, 0])!r} is not in [0, 1]; give sigmoid outputs, "
                         f"or use bce_with_logits on raw scores")


# -- the per-sample terms: no branches on the data -----------------------------------------------------
def log_sum_exp2(a, b):
    """log(e^a + e^b), stable and branch-free; its gradient is softmax's, also where a == b."""
    gap = (a - b).abs()
    return 0.5 * (a + b + gap) + ((-gap).exp() + 1.0).log()


def clamp(p, low: float, high: float):
    """p limited to [low, high] without branching; exactly p inside, slope 1 inside and 0 outside."""
    p = p + (low - p).relu()
    return p - (p - high).relu()


def _squared_errors(outputs, targets):
    total = (outputs[0] - targets[0]) ** 2
    for p, t in zip(outputs[1:], targets[1:]):
        total = total + (p - t) ** 2
    return total


def _binary_cross_entropy(outputs, targets):
    p, y = clamp(outputs[0], EPSILON, 1.0 - EPSILON), targets[0]
    return -(y * p.log() + (1.0 - y) * (1.0 - p).log())


def _bce_with_logits(outputs, targets):
    z = outputs[0]
    return log_sum_exp2(z, 0.0) - z * targets[0]


def _hinge(outputs, targets):
    return (1.0 - targets[0] * outputs[0]).relu()


def _cross_entropy(outputs, one_hot):
    # log sum_j exp(z_j - z_y): the true class's gap is exactly 0, so a confident right answer loses no digits
    picked = one_hot[0] * outputs[0]
    for t, z in zip(one_hot[1:], outputs[1:]):
        picked = picked + t * z
    total = outputs[0] - picked
    for z in outputs[1:]:
        total = log_sum_exp2(total, z - picked)
    return total


mse = Loss(
    "mse", _squared_errors, _numbers, targets="columns", outputs="any", per_output=True,
    doc="""Mean squared error, mean over every output of every sample (torch.nn.MSELoss).

    Predictions may be one Value per sample or one list per sample (several
    outputs); targets have the same shape.
    """)

binary_cross_entropy = Loss(
    "binary_cross_entropy", _binary_cross_entropy, _unit_interval("binary_cross_entropy"),
    check_outputs=_probabilities, argument="probabilities",
    doc="""-[y log p + (1 - y) log(1 - p)] on probabilities p in [0, 1] (torch BCELoss).

    Targets are in [0, 1] (0/1 labels, or soft targets). p is clamped into
    [EPSILON, 1 - EPSILON] first, so a saturated sigmoid gives a large finite loss;
    a p outside [0, 1] is refused.
    """)

bce_with_logits = Loss(
    "bce_with_logits", _bce_with_logits, _unit_interval("bce_with_logits"), argument="logits",
    doc="""Binary cross-entropy on raw scores z: max(z, 0) - z*y + log(1 + exp(-|z|)) (torch BCEWithLogitsLoss).

    Equal to binary_cross_entropy(sigmoid(z), y) but never overflows: exp only
    sees -|z| <= 0. max(z, 0) is (z + |z|) / 2, so the derivative is sigmoid(z) - y,
    also at z = 0.
    """)

hinge = Loss(
    "hinge", _hinge, _signs, argument="scores",
    doc="max(0, 1 - y * s) with labels y in {-1, +1}: the SVM loss micrograd's demo uses.")

cross_entropy = Loss(
    "cross_entropy", _cross_entropy, _class_indices, targets="one_hot", outputs="classes", argument="logits",
    doc="""-log softmax(z)[y] for K classes, from raw scores z (torch.nn.CrossEntropyLoss).

    `logits` holds one list of K scores per sample and `targets` the class indices
    0..K-1. Computed as log(sum_j exp(z_j - z_y)) with pairwise branch-free
    log-sum-exp, so large scores never overflow.
    """)


def softmax(logits) -> list:
    """exp(z_i) / sum_j exp(z_j) for one sample's scores, shifted by max(z) so exp never overflows.

    >>> [round(p.data, 4) for p in softmax([1.0, 2.0, 3.0])]
    [0.09, 0.2447, 0.6652]
    """
    with name_scope("softmax"):
        row = _rows([logits], "logits")[0]
        if not row:
            raise ValueError("logits is empty: give one score per class")
        shift = max(z.data for z in row)  # a constant: softmax(z - c) = softmax(z)
        exps = [(z - shift).exp() for z in row]
        total = exps[0]
        for e in exps[1:]:
            total = total + e
        return [e / total for e in exps]


def l2_penalty(params) -> Value:
    """sum(p^2) over `params`: add alpha * l2_penalty(model.parameters()) to a loss for weight decay."""
    with name_scope("l2_penalty"):
        values = _scalars(params, "params")
        total = values[0] * values[0]
        for p in values[1:]:
            total = total + p * p
        return total


# Every Loss defined in this module, by name: defining one here is all it takes to use it by name in fit.
LOSSES = {value.name: value for value in list(globals().values()) if isinstance(value, Loss)}


def get_loss(loss):
    """A Loss from its name in LOSSES, or the Loss or function (predictions, targets) -> Value itself."""
    if callable(loss):
        return loss
    return LOSSES[check_choice(loss, LOSSES, "loss", "a Loss or a function (predictions, targets) -> Value")]


__all__ = ["Loss", "mse", "binary_cross_entropy", "bce_with_logits", "hinge", "softmax", "cross_entropy",
           "l2_penalty", "log_sum_exp2", "clamp", "EPSILON", "LOSSES", "get_loss"]
