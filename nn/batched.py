"""The numba training backend: the model and its loss compiled once into a tape, run on whole batches.

The graph of one sample (placeholder inputs and targets -> model -> that sample's
loss) is compiled with `autograd.compile`; every batch then runs through it in
the numba kernels. The parameters live in an array while training (the
optimizer's `checked_update` works on arrays) and `sync()` writes them back into the
model's Values, so the model stays one object.

Losses are written here per sample and without branches on the data, because a
tape runs the same graph for every sample: max(a, b) is (a + b + |a - b|) / 2 and
log(e^a + e^b) = max(a, b) + log(1 + e^-|a - b|), which are also the numerically
stable forms. They agree with nn.losses to rounding.
"""

import numpy as np

from autograd import Value, compile, name_scope

from . import losses
from .backends import BatchResult
from .traced import check_model_tape
from .validate import check_numbers


def _log_sum_exp2(a, b):
    """log(e^a + e^b), stable and branch-free; its gradient is softmax's, also where a == b."""
    gap = (a - b).abs()
    return 0.5 * (a + b + gap) + ((-gap).exp() + 1.0).log()


def _clamp(p, low, high):
    """p limited to [low, high] without branching (max, then min)."""
    p = 0.5 * (p + low + (p - low).abs())
    return 0.5 * (p + high - (p - high).abs())


def _hinge(outputs, targets):
    return (1.0 - targets[0] * outputs[0]).relu()


def _mse(outputs, targets):
    total = (outputs[0] - targets[0]) ** 2
    for p, t in zip(outputs[1:], targets[1:]):
        total = total + (p - t) ** 2
    return total


def _bce_with_logits(outputs, targets):
    z = outputs[0]
    return _log_sum_exp2(z, Value(0.0)) - z * targets[0]


def _binary_cross_entropy(outputs, targets):
    p = _clamp(outputs[0], losses.EPSILON, 1.0 - losses.EPSILON)
    y = targets[0]
    return -(y * p.log() + (1.0 - y) * (1.0 - p).log())


def _cross_entropy(outputs, one_hot):
    total = outputs[0]
    for z in outputs[1:]:
        total = _log_sum_exp2(total, z)
    picked = one_hot[0] * outputs[0]
    for t, z in zip(one_hot[1:], outputs[1:]):
        picked = picked + t * z
    return total - picked


# loss function -> (per-sample term, targets per sample given the model's outputs, how y becomes columns)
SAMPLE_LOSSES = {
    losses.hinge: (_hinge, lambda nout: 1, "column"),
    losses.mse: (_mse, lambda nout: nout, "columns"),
    losses.bce_with_logits: (_bce_with_logits, lambda nout: 1, "column"),
    losses.binary_cross_entropy: (_binary_cross_entropy, lambda nout: 1, "column"),
    losses.cross_entropy: (_cross_entropy, lambda nout: nout, "one_hot"),
}


def _copy_columns(destination, source, name: str) -> None:
    """destination[...] = source for two (n, k) blocks: column by column when k is small.

    numpy copies a narrow block (two features, one label) element by element; one
    strided column at a time is 2-5x faster (11 instead of 50 us for 10,000 rows).
    """
    if source.shape != destination.shape:
        raise ValueError(f"{name} must have shape {destination.shape} for this batch (one row per sample, "
                         f"{destination.shape[1]} per row), got shape {source.shape}")
    if source.shape[1] > 8:
        destination[...] = source
        return
    for c in range(source.shape[1]):
        destination[:, c] = source[:, c]


class NumbaBackend:
    """Compiles model + loss once; each batch is one forward and one backward kernel call."""

    name = "numba"

    def __init__(self, model, loss, l2: float = 0.0):
        if loss not in SAMPLE_LOSSES:
            names = ", ".join(f.__name__ for f in SAMPLE_LOSSES)
            raise ValueError(f"backend='numba' trains with the losses in nn.losses ({names}); "
                             f"a custom loss function runs with backend='value'")
        term, n_targets, self.encoding = SAMPLE_LOSSES[loss]
        self.model, self.nout = model, model.nout
        self.params = model.parameters()
        with name_scope("input"):
            inputs = [Value(0.0, label=f"x{i}") for i in range(model.nin)]
            targets = [Value(0.0, label=f"target{k}") for k in range(n_targets(self.nout))]
        out = model(inputs)
        outputs = out if isinstance(out, list) else [out]
        with name_scope(loss.__name__):
            sample_loss = term(outputs, targets)
        # The loss is a mean over every target (mse averages over outputs too).
        self.per_sample = n_targets(self.nout) if loss is losses.mse else 1
        self.tape = compile([sample_loss] + outputs, inputs=inputs + targets, params=self.params)
        check_model_tape(self.tape, model, len(targets))  # refuses a model whose graph depends on its input
        self.l2 = l2
        self.values = self.tape.param_values()
        self._seed = (0, None)
        self._columns_buffer = np.empty((0, len(self.tape.inputs)))
        self._checked = None  # (optimizer, its params list, that list's length) last found to match

    def _columns(self, X, y):
        """The tape's input matrix for a batch: the features, then the targets as the loss reads them.

        One buffer serves every batch of the same size (the kernels copy it in), so a step allocates nothing here.
        """
        # fit checked the data for NaN and infinity once; a step only needs arrays of numbers
        X, y = check_numbers(X, "X", finite=False), check_numbers(y, "y", finite=False)
        n, nin = len(X) if X.ndim else 0, self.model.nin
        if self._columns_buffer.shape[0] != n:
            self._columns_buffer = np.empty((n, len(self.tape.inputs)))
        columns, targets = self._columns_buffer, self._columns_buffer[:, nin:]
        _copy_columns(columns[:, :nin], X, "X")
        if self.encoding == "one_hot":
            targets[:] = 0.0
            targets[np.arange(n), y.astype(np.int64)] = 1.0
        else:
            _copy_columns(targets, y.reshape(n, -1) if y.ndim == 1 else y, "y")
        return columns

    def _forward(self, X, y) -> BatchResult:
        out = self.tape.forward(self._columns(X, y), params=self.values)
        loss = float(out[:, 0].sum() / (len(out) * self.per_sample))
        return BatchResult(loss, out[:, 1:])

    def _loss_and_grads(self, X, y):
        """(data loss and outputs, gradients of data loss + l2 * l2_penalty) for one batch."""
        result = self._forward(X, y)
        n = len(X)
        if self._seed[0] != n:
            self._seed = (n, np.full(n, 1.0 / (n * self.per_sample)))
        grads = self.tape.backward(seed=self._seed[1])
        if self.l2:
            # d(l2 * sum p^2)/dp: the Value path adds l2 * p once per operand of p * p, i.e. exactly 2 * l2 * p.
            grads += (2.0 * self.l2) * self.values
        return result, grads

    def train_step(self, X, y, optimizer) -> BatchResult:
        """Loss and gradients of one batch, then the optimizer's update, all on arrays."""
        self._check_optimizer(optimizer)
        result, grads = self._loss_and_grads(X, y)
        self.values = optimizer.checked_update(self.values, grads)
        self.grads = grads
        return result

    def _check_optimizer(self, optimizer) -> None:
        """The optimizer must hold exactly model.parameters(), in order; checked once per optimizer and list.

        Comparing every parameter on every step cost more than a step of 100 samples; the
        check runs again when the optimizer or its params list (or that list's length) changes.
        """
        params = optimizer.params
        checked = self._checked
        if checked is not None and checked[0] is optimizer and checked[1] is params and checked[2] == len(params):
            return
        if len(params) != len(self.params) or any(a is not b for a, b in zip(params, self.params)):
            raise ValueError("backend='numba' updates the parameters as one array: build the optimizer "
                             "with model.parameters(), in that order")
        self._checked = (optimizer, params, len(params))

    def loss_and_grads(self, X, y) -> BatchResult:
        """As ValueBackend: set every parameter's .grad for the batch and return the data loss."""
        result, grads = self._loss_and_grads(X, y)
        for p, g in zip(self.params, grads.tolist()):
            p.grad = g
        return result

    def evaluate(self, X, y) -> BatchResult:
        """The data loss and outputs with the current parameters."""
        return self._forward(X, y)

    def sync(self) -> None:
        """Write the trained parameters (and their last gradients) back into the model's Values."""
        grads = getattr(self, "grads", None)
        for i, (p, x) in enumerate(zip(self.params, self.values.tolist())):
            p.data = x
            if grads is not None:
                p.grad = float(grads[i])
