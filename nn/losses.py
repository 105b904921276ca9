"""Loss functions built from Value operations, so backprop, the stepper and diagrams see every step.

Every loss takes ``(predictions, targets)``: one prediction per sample (a Value or
a number; a list of them for K-output losses) and one target per sample. The
result is one Value, the mean over samples (over all elements for mse), as
PyTorch's default ``reduction="mean"``.

>>> from autograd import Value
>>> loss = mse([Value(0.5), Value(2.0)], [1.0, 2.0])
>>> loss.data  # ((0.5 - 1)^2 + 0) / 2
0.125
>>> hinge([Value(0.3)], [-1]).data  # the margin is violated by 1.3
1.3
"""

import numpy as np

from autograd import Value, name_scope

from .validate import check_choice, check_classes, check_labels, check_numbers

# binary_cross_entropy clamps probabilities into [EPSILON, 1 - EPSILON], so p = 0
# or 1 gives a large finite loss (-log(1e-12) = 27.6) instead of infinity; where
# the clamp acts the gradient is 0, as with torch.clamp.
EPSILON = 1e-12


def _as_value(x, argument: str, i: int) -> Value:
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


def _scalars(predictions, argument: str = "predictions") -> list:
    """One Value per sample, or a clear error (e.g. for K-output predictions)."""
    predictions = _listed(predictions, argument)
    if not predictions:
        raise ValueError(f"{argument} is empty: give at least one sample")
    for i, p in enumerate(predictions):
        if isinstance(p, (list, tuple)):
            raise ValueError(f"{argument}[{i}] is a list of {len(p)}, but this loss takes one output per sample; "
                             f"use cross_entropy (or mse) for models with several outputs")
    return [_as_value(p, argument, i) for i, p in enumerate(predictions)]


def _rows(predictions, argument: str = "predictions") -> list:
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


def _mean(terms: list) -> Value:
    """sum(terms) / len(terms), as PyTorch's mean reduction computes it."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total / len(terms)


def _probability_targets(targets, n: int, loss: str) -> np.ndarray:
    """Targets checked to be n numbers in [0, 1], naming `loss` in the error."""
    goal = check_labels(targets, n, None, "targets")
    outside = (goal < 0) | (goal > 1)
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(f"targets[{i}] = {goal[i]:g}, but {loss} needs targets in [0, 1]; "
                         f"map -1/+1 labels with (y + 1) / 2")
    return goal


def mse(predictions, targets) -> Value:
    """Mean squared error, mean over every output of every sample (torch.nn.MSELoss).

    Predictions may be one Value per sample or one list per sample (several
    outputs); targets have the same shape.
    """
    with name_scope("mse"):
        predictions = _listed(predictions, "predictions")
        if predictions and isinstance(predictions[0], (list, tuple)):
            rows = _rows(predictions)
            flat = [p for row in rows for p in row]
            goal = check_numbers(targets, "targets")
            if goal.shape != (len(rows), len(rows[0])):
                raise ValueError(f"targets must have shape ({len(rows)}, {len(rows[0])}) like predictions, "
                                 f"got {goal.shape}")
            goal = goal.ravel()
        else:
            flat = _scalars(predictions)
            goal = check_labels(targets, len(flat), None, "targets")
        return _mean([(p - t) ** 2 for p, t in zip(flat, goal.tolist())])


def binary_cross_entropy(probabilities, targets) -> Value:
    """-[y log p + (1 - y) log(1 - p)] on probabilities p in [0, 1] (torch BCELoss).

    Targets are in [0, 1] (0/1 labels, or soft targets). p is clamped into
    [EPSILON, 1 - EPSILON] first, so a saturated sigmoid gives a large finite loss.
    """
    with name_scope("binary_cross_entropy"):
        probs = _scalars(probabilities, "probabilities")
        goal = _probability_targets(targets, len(probs), "binary_cross_entropy")
        terms = []
        for i, (p, y) in enumerate(zip(probs, goal.tolist())):
            if not 0.0 <= p.data <= 1.0:
                raise ValueError(f"probabilities[{i}] = {p.data!r} is not in [0, 1]; give sigmoid outputs, "
                                 f"or use bce_with_logits on raw scores")
            if p.data < EPSILON:
                p = Value(EPSILON)
            elif p.data > 1.0 - EPSILON:
                p = Value(1.0 - EPSILON)
            terms.append(-(y * p.log() + (1.0 - y) * (1.0 - p).log()))
        return _mean(terms)


def bce_with_logits(logits, targets) -> Value:
    """Binary cross-entropy on raw scores z: max(z, 0) - z*y + log(1 + exp(-|z|)) (torch BCEWithLogitsLoss).

    Equal to binary_cross_entropy(sigmoid(z), y) but never overflows: exp only
    sees -|z| <= 0. The max and |z| are resolved by the sign of z as the graph
    is built, so the graph is smooth and the derivative is sigmoid(z) - y, also at z = 0.

    >>> from autograd import Value
    >>> z = Value(0.0)
    >>> loss = bce_with_logits([z], [1])
    >>> round(loss.data, 6), (loss.backward(), z.grad)[1]
    (0.693147, -0.5)
    """
    with name_scope("bce_with_logits"):
        scores = _scalars(logits, "logits")
        goal = _probability_targets(targets, len(scores), "bce_with_logits")
        terms = []
        for z, y in zip(scores, goal.tolist()):
            if z.data >= 0.0:  # max(z, 0) = z and -|z| = -z
                terms.append(z - z * y + ((-z).exp() + 1.0).log())
            else:  # max(z, 0) = 0 and -|z| = z
                terms.append((z.exp() + 1.0).log() - z * y)
        return _mean(terms)


def hinge(scores, targets) -> Value:
    """max(0, 1 - y * s) with labels y in {-1, +1}: the SVM loss micrograd's demo uses."""
    with name_scope("hinge"):
        values = _scalars(scores, "scores")
        goal = check_labels(targets, len(values), (-1, 1), "targets",
                            hint="hinge needs -1/+1 labels: convert 0/1 labels with 2 * y - 1")
        return _mean([(1.0 - y * s).relu() for s, y in zip(values, goal.tolist())])


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


def cross_entropy(logits, targets) -> Value:
    """-log softmax(z)[y] for K classes, from raw scores z (torch.nn.CrossEntropyLoss).

    `logits` holds one list of K scores per sample and `targets` the class indices
    0..K-1. Computed as log(sum_j exp(z_j - c)) + c - z_y with c = max(z), the
    log-sum-exp shift, so large scores never overflow.
    """
    with name_scope("cross_entropy"):
        rows = _rows(logits, "logits")
        k = len(rows[0])
        if k < 2:
            raise ValueError("cross_entropy needs at least 2 scores per sample; for one output use bce_with_logits")
        goal = check_classes(targets, len(rows), k, "targets")
        terms = []
        for row, y in zip(rows, goal.tolist()):
            shift = max(z.data for z in row)
            total = (row[0] - shift).exp()
            for z in row[1:]:
                total = total + (z - shift).exp()
            terms.append(total.log() + shift - row[y])
        return _mean(terms)


def l2_penalty(params) -> Value:
    """sum(p^2) over `params`: add alpha * l2_penalty(model.parameters()) to a loss for weight decay."""
    with name_scope("l2_penalty"):
        values = _scalars(params, "params")
        total = values[0] * values[0]
        for p in values[1:]:
            total = total + p * p
        return total


LOSSES = {f.__name__: f for f in (mse, binary_cross_entropy, bce_with_logits, hinge, cross_entropy)}


def get_loss(loss):
    """A loss function from its name in LOSSES, or the function itself."""
    if callable(loss):
        return loss
    return LOSSES[check_choice(loss, LOSSES, "loss", "a function (predictions, targets) -> Value")]


__all__ = ["mse", "binary_cross_entropy", "bce_with_logits", "hinge", "softmax", "cross_entropy",
           "l2_penalty", "EPSILON", "LOSSES", "get_loss"]
