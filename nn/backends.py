"""Training backends: how `fit` gets the loss and the parameter gradients of one batch.

A backend is a class built as ``Backend(model, loss, l2)`` with these methods:

* ``loss_and_grads(X, y) -> BatchResult``: set every parameter's ``.grad`` to
  d(loss + l2 * sum p^2)/dp for the batch (rows of X, labels y) and return the
  data loss and the model's outputs (shape batch x nout);
* ``evaluate(X, y) -> BatchResult``: the same without gradients (validation);
* ``train_step(X, y, optimizer) -> BatchResult``: loss, gradients and the
  optimizer's update for one batch (what `fit` calls);
* ``sync()``: make the model's Values current (a backend may train on arrays).

A backend registers itself under its `name` by subclassing `Backend`; `fit`
looks it up by that name in BACKENDS.
"""

import contextlib
import gc
from typing import NamedTuple

import numpy as np

from autograd import backward, no_grad

from .losses import l2_penalty
from .validate import check_choice


class BatchResult(NamedTuple):
    """The data loss of a batch (mean over samples, without the l2 term) and the model's outputs."""

    loss: float
    outputs: np.ndarray


def _outputs(predictions, nout: int) -> np.ndarray:
    if nout == 1:
        return np.array([[p.data] for p in predictions])
    return np.array([[v.data for v in p] for p in predictions])


@contextlib.contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector inside the block (reference counting still frees memory).

    Value graphs hold no reference cycles, so nothing they allocate needs the
    cyclic collector; left on, it re-scans the growing graph again and again
    while a batch is built, which costs 2-4x the step itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


BACKENDS = {}


class Backend:
    """Base of the training backends: a subclass with a `name` is registered in BACKENDS under it."""

    name = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name is not None:
            BACKENDS[cls.name] = cls


class ValueBackend(Backend):
    """Builds the batch's Value graph and back-propagates it: slow, but every node is inspectable."""

    name = "value"

    def __init__(self, model, loss, l2: float = 0.0, pause_gc: bool = True):
        """pause_gc: pause the cyclic garbage collector during each batch (see cyclic_gc_paused)."""
        self.model = model
        self.pause_gc = pause_gc
        self.loss = loss
        self.l2 = l2
        self.params = model.parameters()

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray) -> BatchResult:
        """Forward every row, the loss (plus l2 * l2_penalty), then one backward pass."""
        with cyclic_gc_paused() if self.pause_gc else contextlib.nullcontext():
            predictions = [self.model(row) for row in X.tolist()]
            data_loss = self.loss(predictions, y)
            objective = data_loss + self.l2 * l2_penalty(self.params) if self.l2 else data_loss
            for p in self.params:
                p.grad = 0.0
            backward(objective)
            result = BatchResult(data_loss.data, _outputs(predictions, self.model.nout))
            del predictions, data_loss, objective  # freed by reference counting, inside the pause
        return result

    def train_step(self, X: np.ndarray, y: np.ndarray, optimizer) -> BatchResult:
        """loss_and_grads, then the optimizer's step on the Values."""
        result = self.loss_and_grads(X, y)
        optimizer.step()
        return result

    def sync(self) -> None:
        """Nothing to do: this backend trains the Values themselves."""

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> BatchResult:
        """The data loss and outputs, recording no graph."""
        with no_grad(), cyclic_gc_paused() if self.pause_gc else contextlib.nullcontext():
            predictions = [self.model(row) for row in X.tolist()]
            return BatchResult(self.loss(predictions, y).data, _outputs(predictions, self.model.nout))


def get_backend(name: str):
    """The backend class registered under `name`."""
    return BACKENDS[check_choice(name, BACKENDS, "backend")]
