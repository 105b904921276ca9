"""micrograd's nn on gradwalk: its names, defaults, weights and reprs, built from nn's own classes.

Change micrograd's imports and its notebooks run::

    from micrograd.engine import Value            ->  from autograd import Value
    from micrograd.nn import Neuron, Layer, MLP    ->  from nn.micrograd import Neuron, Layer, MLP
    from micrograd import nn                       ->  from nn import micrograd as nn

Hidden neurons are ReLU, the last layer is linear, weights are drawn one by one with
``random.uniform(-1, 1)`` from Python's ``random`` module (so ``random.seed(1337)``
gives micrograd's very weights) and biases start at 0:

>>> import random
>>> random.seed(1337)
>>> model = MLP(2, [16, 16, 1])
>>> model.layers[-1]
Layer of [LinearNeuron(16)]
>>> len(model.parameters())
337
>>> round(model.layers[0].neurons[0].w[0].data, 6)
0.235506

The classes are nn's ``Neuron``, ``Layer`` and ``MLP`` (nn.fit, nn.predict, the numba path
and viz take them), configured as micrograd's; nn.save wants a model of nn's own classes.
"""

import random

import numpy as np

from autograd import Value, name_scope

from . import module
from .module import Module
from .validate import MAX_PARAMETERS, check_count, check_parameter_count

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP"]


def _check_nonlin(nonlin) -> bool:
    if not isinstance(nonlin, bool):
        raise TypeError(f"nonlin must be True (ReLU) or False (linear), got {type(nonlin).__name__} {nonlin!r}")
    return nonlin


class Neuron(module.Neuron):
    """relu(w . x + b), or the plain w . x + b when nonlin is False: micrograd's Neuron."""

    def __init__(self, nin: int, nonlin: bool = True, *, name: str = ""):
        """Draw the nin weights with random.uniform(-1, 1) in order, as micrograd does; the bias is 0."""
        nin = check_count(nin, "nin", MAX_PARAMETERS - 1)
        self.nonlin = _check_nonlin(nonlin)
        row = np.array([random.uniform(-1, 1) for _ in range(nin)])  # float64 holds each draw exactly
        self._build(nin, "relu" if nonlin else "linear", "uniform", row, name)

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({self.nin})"


class Layer(module.Layer):
    """`nout` micrograd Neurons reading the same inputs; `nonlin` is passed to each, as micrograd's kwargs are."""

    def __init__(self, nin: int, nout: int, *, nonlin: bool = True, name: str = ""):
        """Neuron j draws its weights after neuron j-1, inside name_scope(f"neuron{j}") as nn's Layer."""
        self.nin, self.nout = check_count(nin, "nin"), check_count(nout, "nout")
        check_parameter_count(self.nout * (self.nin + 1), "nin and nout")
        self.activation, self.init = ("relu" if _check_nonlin(nonlin) else "linear"), "uniform"
        prefix = f"{name}." if name else ""
        self.neurons = []
        for j in range(self.nout):
            with name_scope(f"neuron{j}"):
                self.neurons.append(Neuron(self.nin, nonlin, name=f"{prefix}N{j}"))

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(module.MLP):
    """micrograd's MLP(nin, nouts): ReLU hidden layers, a linear output layer, weights U(-1, 1) from `random`."""

    def __init__(self, nin: int, nouts):
        """`nouts` lists each layer's width, e.g. [16, 16, 1]; layer i is built inside name_scope(f"layer{i}")."""
        self.nin = check_count(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            raise TypeError(f"nouts must be a list of layer widths such as [16, 16, 1], got {nouts!r}")
        self.sizes = module.check_layer_widths(self.nin, nouts, "nouts")
        widths = [self.nin] + self.sizes
        self.activation, self.output_activation, self.init = "relu", "linear", "uniform"
        self.layers = []
        for i in range(len(self.sizes)):
            with name_scope(f"layer{i}"):
                self.layers.append(Layer(widths[i], widths[i + 1], nonlin=i != len(self.sizes) - 1, name=f"L{i}"))

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

