"""Training and prediction: initialize, then loop (forward, loss, backward, update), then predict.

>>> from nn import MLP, make_xor
>>> X, y = make_xor()
>>> model = MLP(2, [4, 1], seed=0)
>>> history = fit(model, X, y, loss="bce_with_logits", lr=0.1, epochs=100, progress=False)
>>> predict(model, X).tolist(), accuracy(model, X, y)
([0, 1, 1, 0], 1.0)

How outputs become classes: one output is read by the model's output activation
(sigmoid: p > 0.5; tanh, linear and the others: score > 0, so the sign of a
hinge or bce_with_logits score decides); several outputs by their argmax.
"""

import signal
import threading

import numpy as np

from autograd import enable_grad, no_grad

from . import batched  # noqa: F401  (registers backend="numba")
from .activations import output_activation
from .backends import cyclic_gc_paused, get_backend
from .data import batches
from .history import History
from .losses import Loss, get_loss
from .module import Module
from .optim import OPTIMIZERS, LRScheduler, Optimizer
from .perceptron import Perceptron
from .progress import tqdm
from .validate import (check_choice, check_count, check_labels, check_numbers, check_pair, check_range, check_samples,
                       check_seed)


def model_outputs(model, X) -> np.ndarray:
    """The model's raw outputs for every row of X, shape (samples, nout); records no graph."""
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn model such as MLP, got {type(model).__name__}")
    X = check_samples(X, model.nin)
    with no_grad(), cyclic_gc_paused():
        results = [model(row) for row in X.tolist()]
        if model.nout == 1:
            return np.array([[v.data] for v in results])
        return np.array([[v.data for v in row] for row in results])


def label_kind(y, nout: int):
    """('binary', (negative, positive)), ('classes', K) or None (regression) for labels y and a model's nout."""
    values = np.unique(np.asarray(y, dtype=np.float64))
    if nout == 1:
        if set(values) <= {0.0, 1.0}:
            return "binary", (0, 1)
        if set(values) <= {-1.0, 1.0}:
            return "binary", (-1, 1)
        return None
    if np.asarray(y).ndim == 1 and all(v.is_integer() and 0 <= v < nout for v in values):
        return "classes", nout
    return None


def _classify(outputs: np.ndarray, activation, labels=(0, 1)) -> np.ndarray:
    if outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return np.where(outputs[:, 0] > activation.threshold, labels[1], labels[0])


def predict(model, X, labels=(0, 1)) -> np.ndarray:
    """Class labels for every row of X: `labels` (negative, positive) for one output, argmax for several."""
    labels = check_pair(labels, "labels")
    return _classify(model_outputs(model, X), output_activation(model), labels)


def predict_proba(model, X) -> np.ndarray:
    """P(positive class) per row for one output, shape (samples,); softmax rows for several outputs.

    One output is read by its activation: sigmoid as is, tanh as (t + 1) / 2, and
    anything else as a logit through the sigmoid.
    """
    if isinstance(model, Perceptron):
        raise TypeError("a Perceptron has a step output and no probabilities; use predict(model, X)")
    outputs = model_outputs(model, X)
    if outputs.shape[1] > 1:
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return output_activation(model).probabilities(outputs[:, 0])


def accuracy(model, X, y) -> float:
    """Fraction of rows of X whose predicted class equals y ({0,1}, {-1,+1} or 0..K-1 labels)."""
    outputs = model_outputs(model, X)
    y = check_labels(y, len(outputs), None, "y")
    kind = label_kind(y, model.nout)
    if kind is None:
        raise ValueError("y must hold class labels: 0/1 or -1/+1 for one output, 0..K-1 for K outputs")
    labels = kind[1] if kind[0] == "binary" else (0, 1)
    return float(np.mean(_classify(outputs, output_activation(model), labels) == y))


class _Interrupt:
    """The first Ctrl-C only sets `requested`, so training stops between steps; a second one raises."""

    def __init__(self):
        self.requested = False
        self.previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


def _make_optimizer(optimizer, lr, model):
    params = model.parameters()
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError("lr is for optimizers given by name; set it on the optimizer you built instead")
        if {id(p) for p in optimizer.params} != {id(p) for p in params}:
            raise ValueError("optimizer was built over other parameters; build it with model.parameters()")
        return optimizer
    chosen = OPTIMIZERS[check_choice(optimizer, OPTIMIZERS, "optimizer", "an nn.optim optimizer")]
    return chosen(params, chosen.default_lr if lr is None else lr)


def _make_scheduler(scheduler, optimizer):
    if scheduler is None:
        return None
    made = scheduler(optimizer) if callable(scheduler) and not isinstance(scheduler, LRScheduler) else scheduler
    if isinstance(made, LRScheduler):
        if made.optimizer is not optimizer:
            raise ValueError("scheduler wraps another optimizer; pass that optimizer to fit as well")
        return made
    if made is not scheduler:
        raise TypeError(f"scheduler is a function that returned {type(made).__name__} {made!r}; it must return an "
                        f"LRScheduler built on the optimizer it is given, e.g. lambda opt: nn.StepLR(opt, 10)")
    raise TypeError(f"scheduler must be an LRScheduler or a function optimizer -> LRScheduler, got {scheduler!r}")


def _check_callbacks(callbacks) -> list:
    """callbacks as a list of functions; refuse anything else up front, naming the argument."""
    if callable(callbacks):
        return [callbacks]
    if callbacks is None or isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a function callback(epoch, history, model) or a list of them "
                        f"(() for none), got {callbacks!r}")
    callbacks = list(callbacks)
    for i, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"callbacks[{i}] must be a function callback(epoch, history, model), got {callback!r}")
    return callbacks


def _stop_requested(callbacks, epoch, history, model) -> bool:
    """Run every callback; True when one asks to stop. Each must return True to stop, or None/False to go on."""
    answers = [callback(epoch, history, model) for callback in callbacks]
    for i, answer in enumerate(answers):
        if answer is not None and not isinstance(answer, (bool, np.bool_)):
            raise TypeError(f"callbacks[{i}] returned {type(answer).__name__} {answer!r:.60}; a callback returns "
                            f"True to stop training, or None/False to go on")
    return any(answers)


def _check_targets(loss_fn, y, n, nout, argument, samples_argument):
    """y as an array of n rows of numbers; a Loss also checks, on the array, that y suits it and the model."""
    check_numbers(y, argument)
    y = np.asarray(y)
    if y.ndim == 0:
        raise ValueError(f"{argument} must hold one label per sample, got the single value {y.item()!r}")
    if len(y) != n:
        raise ValueError(f"{argument} has {len(y)} labels but {samples_argument} has {n} samples; "
                         f"give one label per sample")
    if isinstance(loss_fn, Loss):
        try:
            loss_fn.check(y, n, nout, argument)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{argument} does not suit loss {loss_fn.name} with a {nout}-output model: "
                             f"{error}") from None
    return y


def fit(model, X, y, loss, optimizer="adam", lr=None, epochs: int = 100, batch_size=None, l2: float = 0.0,
        val=None, scheduler=None, progress: bool = True, callbacks=(), shuffle: bool = True, seed=0,
        backend: str = "value") -> History:
    """Train `model` on rows X with labels y; returns a History with one entry per epoch.

    loss: a name in nn.losses.LOSSES, an nn.losses.Loss, or a function (predictions, targets) -> Value.
    optimizer: a name in nn.optim.OPTIMIZERS ("adam", "sgd"; lr defaults to the class's
    default_lr) or an nn.optim optimizer.
    batch_size: None for full-batch gradient descent; else mini-batches, reshuffled
    every epoch from `seed` when `shuffle`. l2 adds l2 * sum(p^2) to the loss.
    val: (X_val, y_val) to measure every epoch. scheduler: an LRScheduler or a
    function optimizer -> LRScheduler, stepped after every epoch. callbacks: functions
    callback(epoch, history, model) run after every epoch; one returning True stops
    training. Ctrl-C (or KeyboardInterrupt from a callback) stops between steps and
    keeps the history, with history.interrupted = True. backend: "value" builds and
    back-propagates a Value graph per batch; "numba" compiles the model and loss once
    and runs every batch through the numba kernels (losses defined as nn.losses.Loss).
    Training records its graphs also inside no_grad().
    """
    if isinstance(model, Perceptron):
        raise TypeError("a Perceptron trains with its own rule: call perceptron.fit(X, y, epochs)")
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn model such as MLP, got {type(model).__name__}")
    engine_class = get_backend(backend)
    loss_fn = get_loss(loss)
    X = check_samples(X, model.nin, "X")
    y = _check_targets(loss_fn, y, len(X), model.nout, "y", "X")
    epochs = check_count(epochs, "epochs")
    if batch_size is not None:
        check_count(batch_size, "batch_size")
    l2 = check_range(l2, "l2", 0.0, np.inf)
    rng = check_seed(seed)
    for flag, name in ((progress, "progress"), (shuffle, "shuffle")):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    callbacks = _check_callbacks(callbacks)
    if val is not None:
        try:
            X_val, y_val = val
        except (TypeError, ValueError):
            raise TypeError("val must be a pair (X_val, y_val)") from None
        X_val = check_samples(X_val, model.nin, "val[0]")
        y_val = _check_targets(loss_fn, y_val, len(X_val), model.nout, "val[1]", "val[0]")
        val = (X_val, y_val)
    optimizer = _make_optimizer(optimizer, lr, model)
    scheduler = _make_scheduler(scheduler, optimizer)

    with enable_grad():  # fit records its own graphs even inside the caller's no_grad(), in this thread only
        return _train(model, X, y, loss_fn, optimizer, engine_class, epochs, batch_size, l2, val, scheduler,
                      progress, callbacks, shuffle, rng)


def _train(model, X, y, loss_fn, optimizer, engine_class, epochs, batch_size, l2, val, scheduler, progress,
           callbacks, shuffle, rng) -> History:
    """fit's loop, on arguments fit has checked."""
    X_val, y_val = val if val is not None else (None, None)
    engine = engine_class(model, loss_fn, l2)
    kind = label_kind(y, model.nout)
    activation = output_activation(model)
    history = History()
    was_training = model.training
    model.train()
    bar = tqdm(total=epochs, unit="epoch", disable=None if progress else True, leave=True)
    try:
        with _Interrupt() as interrupt:
            for epoch in range(epochs):
                lr_now = optimizer.lr
                total, outputs, order = 0.0, [], []
                # one full batch is X itself: no copy, and no second check of data fit has checked
                epoch_batches = ((X, y),) if batch_size is None else batches(X, y, batch_size, shuffle, rng)
                for X_batch, y_batch in epoch_batches:
                    if interrupt.requested:
                        raise KeyboardInterrupt
                    result = engine.train_step(X_batch, y_batch, optimizer)
                    total += result.loss * len(X_batch)
                    outputs.append(result.outputs)
                    order.append(y_batch)
                metrics = {"loss": total / len(X), "lr": lr_now,
                           "accuracy": _batch_accuracy(_joined(outputs), _joined(order), kind, activation)}
                if val is not None:
                    model.eval()
                    result = engine.evaluate(X_val, y_val)
                    model.train()
                    metrics["val_loss"] = result.loss
                    metrics["val_accuracy"] = _batch_accuracy(result.outputs, y_val, label_kind(y_val, model.nout), activation)
                history.record(**metrics)
                if scheduler is not None:
                    scheduler.step()
                bar.update(1)
                if not bar.disable:
                    bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items() if v is not None and k != "lr"},
                                    refresh=False)
                if callbacks:
                    engine.sync()  # the Values are brought up to date only when someone can look at them
                if _stop_requested(callbacks, epoch, history, model) or interrupt.requested:
                    history.interrupted = interrupt.requested
                    break
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        engine.sync()
        bar.close()
        model.train(was_training)
    return history


def _joined(arrays: list) -> np.ndarray:
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _batch_accuracy(outputs, y, kind, activation):
    if kind is None:
        return None
    labels = kind[1] if kind[0] == "binary" else (0, 1)
    return np.count_nonzero(_classify(outputs, activation, labels) == y) / len(y)
