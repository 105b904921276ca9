"""Record training to watch it afterwards: parameter snapshots while `nn.fit` runs, pictures of them after.

>>> import nn
>>> X, y = nn.make_moons(40, seed=0)
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> recorder = TrainingRecorder(X, y, every=5)
>>> history = nn.fit(model, X, y, loss="bce_with_logits", epochs=12, callbacks=[recorder], progress=False)
>>> [frame.epoch for frame in recorder.frames]  # the first epoch, every 5th, and the last
[1, 5, 10, 12]

While training, the recorder only copies the parameters (a few microseconds), so
it can run every epoch. The pictures are made when asked for: the model's graph
is compiled once into a tape, and each snapshot's grid of 150 x 150 points (the
model's outputs and every hidden neuron's activation) is one `tape.forward` with
that snapshot as its parameters. `save_gif` and `save_html` write the movie and
the page (viz/training_page.py); a model without 2 inputs gets its loss curves.
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from autograd import Value, compile, joint_topological_order

from .boundary import _grid
from .graph import scope_part
from .training_images import write_gif
from .training_page import write_page

MAX_FRAMES = 200  # snapshots a movie or page shows at most: more are thinned evenly


@dataclass(frozen=True)
class Frame:
    """One snapshot: the epochs completed, the parameters then (in model.parameters() order), the losses."""

    epoch: int
    params: np.ndarray
    loss: float
    val_loss: float = None


@dataclass(frozen=True)
class Neuron:
    """A hidden neuron whose activation is mapped: its layer's scope, its own scope, and its output Value."""

    layer: str
    name: str
    value: Value


class TrainingRecorder:
    """A `nn.fit` callback that keeps parameter snapshots every `every` epochs, to draw afterwards.

    X (and the labels y, which color the points) are the data drawn over the plane;
    `resolution` points per axis make each frame's grid, which spans X widened by
    `padding` of its width on each side.
    """

    def __init__(self, X, y=None, every: int = 1, *, resolution: int = 150, padding: float = 0.1):
        self.X = _check_X(X)
        self.y = _check_y(y, len(self.X))
        if isinstance(every, bool) or not isinstance(every, Integral) or every < 1:
            raise ValueError(f"every must be a whole number of epochs >= 1 (every=1 records each epoch), got {every!r}")
        self.every = int(every)
        self.plane = None  # (gx, gy, points) when X has 2 columns
        if self.X.shape[1] == 2:
            self.plane = _grid(self.X, resolution, padding)
        self.losses, self.val_losses = [], []  # every epoch's, not only the recorded ones
        self._recorded, self._latest = [], None
        self.model, self._params = None, None
        self._tape, self._neurons = None, None
        self.pictures = {}  # epoch -> (boundary, neuron maps) images, shared by the movie and the page

    def __repr__(self):
        return f"TrainingRecorder(every={self.every}, epochs={len(self.losses)}, frames={len(self.frames)})"

    def __call__(self, epoch, history, model):
        """Record one epoch (what `nn.fit` calls after each); returns False, so training goes on."""
        if self.model is None:
            if not callable(getattr(model, "parameters", None)):
                raise TypeError(f"model must be an nn model such as MLP, got {type(model).__name__}")
            self.model, self._params = model, model.parameters()
        elif model is not self.model:
            raise ValueError("this recorder already follows another model; make one TrainingRecorder per model")
        if not getattr(history, "loss", None):
            raise ValueError("history must be the nn.History fit passes, with this epoch's loss recorded")
        val_loss = history.val_loss[-1] if history.val_loss else None
        self.losses.append(float(history.loss[-1]))
        self.val_losses.append(val_loss)
        count = len(self.losses)  # epochs seen, across fit calls: a second fit continues the movie
        frame = Frame(count, np.array([p.data for p in self._params]), self.losses[-1], val_loss)
        if count == 1 or count % self.every == 0:
            self._recorded.append(frame)
            self._latest = None
        else:
            self._latest = frame  # shown at the end if training stops between two recorded epochs
        return False

    @property
    def frames(self) -> list:
        """The recorded snapshots, the last epoch's included, oldest first."""
        return self._recorded + ([self._latest] if self._latest is not None else [])

    @property
    def neurons(self) -> list:
        """The hidden neurons (Neuron records) in layer order; [] before training or without 2 inputs."""
        self._compiled()
        return list(self._neurons or [])

    def outputs(self, frame: Frame):
        """(model outputs, hidden activations) over the grid for `frame`: arrays (points x nout), (points x neurons)."""
        if not isinstance(frame, Frame):
            raise TypeError(f"frame must be one of recorder.frames, got {type(frame).__name__}")
        tape = self._compiled()
        if tape is None:
            raise ValueError("the grid exists only for models with 2 inputs (a plane to draw on); "
                             "this recorder has X with " + f"{self.X.shape[1]} columns")
        values = tape.forward(self.plane[2], params=frame.params)
        nout = len(tape.outputs) - len(self._neurons)
        return values[:, :nout], values[:, nout:]

    def _compiled(self):
        """The tape of the model's outputs and hidden neurons on placeholder inputs; None without a plane."""
        if self.model is None:
            if self.plane is None:
                return None
            raise RuntimeError("nothing recorded yet: pass the recorder to nn.fit(..., callbacks=[recorder]) first")
        if self._tape is None and self.plane is not None:
            inputs = [Value(0.0, label=f"x{i}") for i in range(2)]
            out = self.model(inputs)
            outs = [out] if isinstance(out, Value) else list(out)
            self._neurons = hidden_neurons(outs)
            self._tape = compile(outs + [n.value for n in self._neurons], inputs=inputs, params=self._params)
        return self._tape

    def save_gif(self, path, *, seconds_per_frame: float = 0.1, max_frames: int = MAX_FRAMES, size: int = 360):
        """Write the movie: the decision boundary (data on top, epoch and loss in the corner) beside the loss curve."""
        return write_gif(self, path, seconds_per_frame, max_frames, size)

    def save_html(self, path, *, title: str = "Watching a network learn", seconds_per_frame: float = 0.2,
                  max_frames: int = MAX_FRAMES):
        """Write one self-contained page: a slider and Play over the snapshots (boundary, loss, neuron maps)."""
        return write_page(self, path, title, seconds_per_frame, max_frames)


def hidden_neurons(outputs) -> list:
    """Every neuron (a `layer{i}.neuron{j}` scope) whose output feeds another neuron, in creation order."""
    order = joint_topological_order(outputs)
    part = {node: scope_part(getattr(node, "scope", "") or "", "neuron") for node in order}
    feeding = {}
    for node in order:
        for parent in node.parents:
            if part[parent] and part[parent] != part[node]:
                feeding.setdefault(part[parent], parent)
    final = {part[out] for out in outputs}
    chosen = sorted(((name, value) for name, value in feeding.items() if name not in final), key=lambda p: p[1].id)
    return [Neuron(scope_part(name, "layer") or "", name, value) for name, value in chosen]


def _check_X(X) -> np.ndarray:
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("X must be a 2-D array of numbers, one row per sample (the data fit trains on)") from None
    if X.ndim != 2 or not len(X) or not X.shape[1]:
        raise ValueError(f"X must have shape (samples, inputs) with at least one sample, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X must hold finite numbers (no NaN or infinity)")
    return X


def _check_y(y, n: int):
    if y is None:
        return None
    try:
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("y must hold one numeric label per row of X, or be None") from None
    if y.ndim == 2:  # one column of labels, or one-hot rows whose largest entry is the class
        y = y[:, 0] if y.shape[1] == 1 else y.argmax(axis=1).astype(np.float64)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"y must hold one label per row of X ({n}), got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("y must hold finite numbers (no NaN or infinity)")
    return y
