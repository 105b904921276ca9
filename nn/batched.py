"""The numba training backend: the model and its loss compiled once into a tape, run on whole batches.

The graph of one sample (placeholder inputs and targets -> model -> that sample's
loss) is compiled with `autograd.compile`; every batch then runs through it in
the numba kernels. The parameters live in an array while training (the
optimizer's `checked_update` works on arrays) and `sync()` writes them back into the
model's Values, so the model stays one object.

Each loss is an `nn.losses.Loss`, whose per-sample term is written without
branches on the data; the tape compiles that same term, so both backends train
the same function. Gradient hooks registered on parameters run on each batch's
gradient and may replace it, as in `backward()`.
"""

import weakref

import numpy as np

from autograd import Value, compile, name_scope
from autograd.value import hook_changes

from .backends import Backend, BatchResult
from .losses import Loss
from .module import MLP, Layer, Neuron
from .traced import check_model_tape
from .validate import check_numbers


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


# model -> (structure, tape): a second fit of the same model reuses its tape. Only for nn's own models,
# whose graph is fixed by their type, config and parameters; a custom forward may depend on anything.
_TAPES = weakref.WeakKeyDictionary()
_PLANNED_TYPES = (MLP, Layer, Neuron)


def _compile_sample_loss(model, loss: Loss, params: list):
    """The tape of one sample's loss and outputs: placeholder inputs and targets -> model -> loss.term."""
    with name_scope("input"):
        inputs = [Value(0.0, label=f"x{i}") for i in range(model.nin)]
        targets = [Value(0.0, label=f"target{k}") for k in range(loss.width(model.nout))]
    out = model(inputs)
    outputs = out if isinstance(out, list) else [out]
    with name_scope(loss.name):
        sample_loss = loss.term(outputs, targets)
    tape = compile([sample_loss] + outputs, inputs=inputs + targets, params=params)
    check_model_tape(tape, model, len(targets))  # refuses a model whose graph depends on its input
    return tape


def _planned_tape(model, loss: Loss, params: list):
    """The model's tape for `loss`, compiled once per model structure (see _TAPES)."""
    if type(model) not in _PLANNED_TYPES:
        return _compile_sample_loss(model, loss, params)
    structure = (loss, repr(model.config()), tuple(map(id, params)),
                 tuple(n._apply for layer in _layers(model) for n in _neurons(layer)))
    cached = _TAPES.get(model)
    if cached is not None and cached[0] == structure:
        return cached[1]
    tape = _compile_sample_loss(model, loss, params)
    _TAPES[model] = (structure, tape)  # the tape holds the parameters, so their ids stay theirs
    return tape


def _layers(model) -> list:
    return model.layers if isinstance(model, MLP) else [model]


def _neurons(layer) -> list:
    return layer.neurons if isinstance(layer, Layer) else [layer]


def _hook_number(replacement, name: str) -> float:
    """A hook's replacement gradient as a float, or a TypeError naming the parameter."""
    if isinstance(replacement, bool) or not isinstance(replacement, (int, float, np.integer, np.floating)):
        raise TypeError(f"the gradient hook on parameter {name} returned {type(replacement).__name__} "
                        f"{replacement!r:.40}; a hook returns a number (the new gradient) or None")
    return float(replacement)


class NumbaBackend(Backend):
    """Compiles model + loss once; each batch is one forward and one backward kernel call."""

    name = "numba"

    def __init__(self, model, loss, l2: float = 0.0):
        if not isinstance(loss, Loss):
            raise ValueError(f"backend='numba' compiles an nn.losses.Loss (such as 'mse' or 'cross_entropy'), but "
                             f"loss {getattr(loss, '__name__', loss)!r} is a plain function: define it as a Loss "
                             f"(see docs/extending.md), or train with backend='value'")
        loss.check_output_count(model.nout)
        self.loss, self.model, self.nout = loss, model, model.nout
        self.params = model.parameters()
        self.per_sample = loss.divisor(1, self.nout)  # mse averages over the outputs too
        self.tape = _planned_tape(model, loss, self.params)
        self.l2 = l2
        self.values = self.tape.param_values()
        self._seed = (0, None)
        self._columns_buffer = np.empty((0, len(self.tape.inputs)))
        self._checked = None  # (optimizer, its params list, that list's length) last found to match
        self._hooks_seen, self._hooked = None, []

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
        _copy_columns(targets, self.loss.columns(y, self.nout) if y.ndim == 1 else y, "y")
        return columns

    def _forward(self, X, y) -> BatchResult:
        out = self.tape.forward(self._columns(X, y), params=self.values)
        if self.loss.check_outputs is not None:  # the same refusal as the loss on Values
            self.loss.check_outputs(out[:, 1:], self.loss.argument)
        loss = float(out[:, 0].sum() / (len(out) * self.per_sample))
        return BatchResult(loss, out[:, 1:])

    def _loss_and_grads(self, X, y):
        """(data loss and outputs, gradients of data loss + l2 * l2_penalty) for one batch."""
        result = self._forward(X, y)
        n = len(X)
        if self._seed[0] != n:
            self._seed = (n, np.full(n, 1.0 / (n * self.per_sample)))
        # d(l2 * sum p^2)/dp in the kernel, as the Value path computes it: l2 * p once per operand of p * p
        grads = self.tape.backward(seed=self._seed[1], l2=self.l2)
        if self._hooked_params():
            self._run_hooks(grads)
        return result, grads

    def _hooked_params(self) -> list:
        """(index, parameter) of the parameters with gradient hooks, looked up again only after a hook changed."""
        changes = hook_changes()
        if self._hooks_seen != changes:
            self._hooks_seen = changes
            self._hooked = [(i, p) for i, p in enumerate(self.params) if p.hooks]
        return self._hooked

    def _run_hooks(self, grads) -> None:
        """Gradient hooks on parameters see the batch's gradient and may replace it, as in backward()."""
        for i, p in self._hooked:
            for hook in p.hooks:
                replacement = hook(float(grads[i]))
                if replacement is not None:
                    grads[i] = _hook_number(replacement, p.label or f"parameters()[{i}]")

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
