"""The activations a layer can apply, one row each: what nn's models, nn.to_torch, the plots and the boundary read.

>>> ACTIVATIONS["sigmoid"].threshold, ACTIVATIONS["tanh"].threshold
(0.5, 0.0)
>>> ACTIVATIONS["tanh"].probabilities(np.array([-1.0, 0.0, 1.0])).tolist()
[0.0, 0.5, 1.0]
"""

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from autograd import OPS, Value

from .validate import check_choice


def _logistic(scores: np.ndarray) -> np.ndarray:
    """sigmoid(scores) without overflow: a score is read as a logit."""
    return 0.5 * (1.0 + np.tanh(0.5 * scores))


@dataclass(frozen=True)
class Activation:
    """One activation: the op-table op it applies (None: linear), and how one output of it is read.

    op and constant: the unary op of autograd.OPS and its k (leaky_relu's slope);
    torch: the torch.nn module class that does the same (its constant passed when
    the op has one); threshold: one output above it means the positive class;
    probabilities: P(positive class) from an array of outputs.
    """

    name: str
    op: Optional[str]
    torch: Optional[str]
    constant: float = 0.0
    threshold: float = 0.0
    probabilities: Callable[[np.ndarray], np.ndarray] = _logistic

    def __post_init__(self):
        if self.op is not None and (self.op not in OPS or OPS[self.op].arity != 1):
            raise ValueError(f"op must name a one-operand op of autograd.OPS, got {self.op!r}")

    def function(self) -> Optional[Callable]:
        """A function Value -> Value that applies this activation as one op of the table; None for linear."""
        if self.op is None:
            return None
        method, k = getattr(Value, self.op), self.constant
        return (lambda x: method(x, k)) if OPS[self.op].has_constant else method

    def torch_module(self, torch_nn):
        """The equivalent module of `torch_nn` (torch.nn), or None for linear."""
        if self.op is None:
            return None
        if self.torch is None:
            raise ValueError(f"activation {self.name!r} has no torch module (its table row gives torch=None), "
                             f"so to_torch cannot convert a layer that uses it")
        module = getattr(torch_nn, self.torch)
        return module(self.constant) if self.op is not None and OPS[self.op].has_constant else module()


ACTIVATIONS = {a.name: a for a in (
    Activation("tanh", "tanh", "Tanh", probabilities=lambda t: (t + 1.0) / 2.0),
    Activation("sigmoid", "sigmoid", "Sigmoid", threshold=0.5, probabilities=lambda p: p),
    Activation("relu", "relu", "ReLU"),
    Activation("leaky_relu", "leaky_relu", "LeakyReLU", constant=0.01),  # slope 0.01, as torch.nn.LeakyReLU
    Activation("linear", None, None),
)}


def check_activation(activation: str, argument: str = "activation") -> str:
    """Return `activation` if it names an entry of ACTIVATIONS, else raise naming the choices."""
    return check_choice(activation, ACTIVATIONS, argument)


def output_activation(model) -> Activation:
    """The activation on a model's output: its output_activation, else its activation, else linear."""
    name = getattr(model, "output_activation", None) or getattr(model, "activation", None) or "linear"
    return ACTIVATIONS.get(name, ACTIVATIONS["linear"]) if isinstance(name, str) else ACTIVATIONS["linear"]
