"""Neurons, layers and MLPs built from Values (the perceptron is in nn.perceptron).

>>> model = MLP(2, [4, 1], seed=0)
>>> model
MLP(nin=2, sizes=[4, 1], init='xavier'): 17 parameters
  (layer0): Layer(nin=2, nout=4, activation='tanh')
  (layer1): Layer(nin=4, nout=1, activation='linear')
>>> out = model([1.0, -2.0])
>>> out.scope, out.parents[0].scope
('layer1.neuron0', 'layer1.neuron0')
>>> [name for name, _ in model.named_parameters()][:3]
['L0.N0.w0', 'L0.N0.w1', 'L0.N0.b']

Provenance (what viz clusters by): every Value a model makes carries a ``scope``
string naming the part that made it, with these exact formats:

* nodes an ``MLP`` builds in a forward pass: ``"layer{i}.neuron{j}"`` (0-based),
  covering the weighted sum and the activation of neuron j of layer i; its input
  leaves (labelled ``x0``, ``x1``, ...) have the caller's scope;
* nodes a standalone ``Layer`` builds: ``"neuron{j}"``; a standalone ``Neuron``
  adds no scope of its own;
* parameters carry the scope they were created in (``"layer{i}.neuron{j}"`` in an
  MLP) and a label ``"L{i}.N{j}.w{k}"`` (weight of input k) or ``"L{i}.N{j}.b"``;
  standalone they are ``"N{j}.w{k}"`` / ``"w{k}"`` and ``"b"``;
* the losses in ``nn.losses`` tag their own nodes with the loss's name
  (``"mse"``, ``"hinge"``, ``"l2_penalty"``, ...).

Scopes nest under any enclosing ``autograd.name_scope`` (joined with ``"."``).

Sizes are checked before anything is built: a model may have at most
``nn.validate.MAX_PARAMETERS`` (10**7) parameters and an MLP at most
``nn.validate.MAX_LAYERS`` (10**4) layers.
"""

import numpy as np

from autograd import Value, name_scope

from .activations import ACTIVATIONS, check_activation
from .validate import (MAX_LAYERS, MAX_PARAMETERS, check_choice, check_count, check_counts, check_parameter_count,
                       check_seed)

INITS = ("xavier", "he", "uniform")


def weight_bound(init: str, nin: int, nout: int) -> float:
    """The a of U(-a, a) for scheme `init` in a layer of nout neurons with nin inputs each.

    * ``"xavier"`` (Glorot uniform): a = sqrt(6 / (nin + nout)); keeps the variance
      of tanh/sigmoid activations steady from layer to layer.
    * ``"he"`` (Kaiming uniform, ReLU gain): a = sqrt(6 / nin).
    * ``"uniform"``: a = 1, as micrograd does.
    """
    check_choice(init, INITS, "init")
    return {"xavier": (6.0 / (nin + nout)) ** 0.5, "he": (6.0 / nin) ** 0.5, "uniform": 1.0}[init]


def initial_weights(init: str, nin: int, nout: int, rng) -> np.ndarray:
    """Draw a (nout, nin) weight matrix; every scheme is uniform, so PCG64 makes it platform-exact.

    Biases always start at 0. Normal draws are avoided because they go through the
    platform's libm; uniform draws are exact integer arithmetic.

    Row j is read from the generator's stream at offset j * nout * nin, and the
    stream is left at offset nout * nout * nin: the layout gradwalk's seeds have
    always produced. With PCG64 (what an int seed gives) the gaps are skipped by
    advance() without drawing them; other bit generators cannot skip, so their
    rows are drawn back to back.

    >>> initial_weights("uniform", 2, 1, np.random.default_rng(0)).round(3).tolist()
    [[0.274, -0.46]]
    """
    return _weight_rows(init, nin, nout, rng, nout)


def _weight_rows(init: str, nin: int, nout: int, rng, count: int) -> np.ndarray:
    """The first `count` rows of initial_weights(init, nin, nout, rng)."""
    bound = weight_bound(init, nin, nout)
    skippable = isinstance(rng.bit_generator, (np.random.PCG64, np.random.PCG64DXSM))
    rows = np.empty((count, nin))
    for j in range(count):
        rows[j] = rng.uniform(-bound, bound, size=nin)
        if skippable:
            rng.bit_generator.advance((nout - 1) * nin)  # each double is one 64-bit step of PCG64
    return rows


def _as_inputs(x, nin: int) -> list:
    """One sample as a list of Values (numbers become leaves labelled x0, x1, ...)."""
    try:
        n = len(x)
    except TypeError:
        raise TypeError(f"x must be a list of {nin} numbers or Values (one sample), got {type(x).__name__}") from None
    if n != nin:
        hint = " (call the model on one sample at a time, or use nn.predict(model, X) for a batch)" if n and hasattr(x[0], "__len__") else ""
        raise ValueError(f"x must have {nin} entries, one per input, got {n}{hint}")
    try:
        return [xi if type(xi) is Value else Value(xi, label=f"x{i}") for i, xi in enumerate(x)]
    except TypeError:
        bad = next(i for i, xi in enumerate(x) if not isinstance(xi, Value) and not _is_number(xi))
        raise TypeError(f"x[{bad}] must be a number or a Value, got {type(x[bad]).__name__} {x[bad]!r}; "
                        f"call the model on one sample (a list of {nin} numbers)") from None


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def check_layer_widths(nin: int, sizes, argument: str) -> list:
    """The layer widths listed in `sizes`, if there are 1 to MAX_LAYERS and the model stays under MAX_PARAMETERS."""
    widths = check_counts(sizes, argument, MAX_LAYERS)
    if not widths:
        raise ValueError(f"{argument} must list at least one layer, e.g. [1] for a single output neuron")
    check_parameter_count(sum(nout * (n + 1) for n, nout in zip([nin] + widths, widths)), f"nin and {argument}")
    return widths


class Module:
    """Base of every model: parameters, gradients, train/eval mode and a readable tree."""

    training = True

    def children(self) -> list:
        """The (name, submodule) pairs this module is made of."""
        return []

    def own_parameters(self) -> list:
        """The parameters held directly by this module (not by its children)."""
        return []

    def parameters(self) -> list:
        """Every parameter Value, in a fixed order (the order optimizers and files use)."""
        params = list(self.own_parameters())
        for _, child in self.children():
            params.extend(child.parameters())
        return params

    def named_parameters(self) -> list:
        """(label, Value) for every parameter, e.g. ('L0.N3.w1', Value(...))."""
        return [(p.label, p) for p in self.parameters()]

    def num_parameters(self) -> int:
        """How many numbers training adjusts."""
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaf grads accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def train(self, mode: bool = True):
        """Set training mode on this module and its children; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"mode must be True or False, got {mode!r}")
        self.training = mode
        for _, child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Set evaluation mode (training=False); returns self."""
        return self.train(False)

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        """Build the graph of the output(s) for one sample `x`."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def config(self) -> dict:
        """The constructor arguments that rebuild this architecture (used by save/load)."""
        raise NotImplementedError(f"{type(self).__name__} must define config()")

    def describe(self) -> str:
        """This module's own line in the tree repr."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"

    def __repr__(self):
        lines = [self.describe()]
        for name, child in self.children():
            inner = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {inner}")
        return "\n".join(lines)


class Neuron(Module):
    """activation(w . x + b): one weighted sum of the inputs, then a nonlinearity."""

    nout = 1

    def __init__(self, nin: int, activation: str = "tanh", init: str = "xavier", seed=None,
                 *, fan_out: int = 1, name: str = ""):
        """`seed` is an int, None (nn.manual_seed's generator, else fresh entropy) or a numpy Generator to draw from.

        The weights are row 0 of initial_weights(init, nin, fan_out, rng): `fan_out`
        is the width of the layer the neuron stands for, which sets the init's bound.
        """
        nin = check_count(nin, "nin", MAX_PARAMETERS - 1)
        check_activation(activation)
        row = _weight_rows(init, nin, check_count(fan_out, "fan_out"), check_seed(seed), 1)[0]
        self._build(nin, activation, init, row, name)

    @classmethod
    def _from_row(cls, nin: int, activation: str, init: str, row: np.ndarray, name: str):
        """A neuron with initial weights `row` (arguments already checked, as a Layer does)."""
        neuron = cls.__new__(cls)
        neuron._build(nin, activation, init, row, name)
        return neuron

    def _build(self, nin: int, activation: str, init: str, row: np.ndarray, name: str) -> None:
        self.nin, self.activation, self.init = nin, activation, init
        self._apply = ACTIVATIONS[activation].function()
        prefix = f"{name}." if name else ""
        self.w = [Value(wi, label=f"{prefix}w{k}") for k, wi in enumerate(row.tolist())]
        self.b = Value(0.0, label=f"{prefix}b")

    def own_parameters(self) -> list:
        """The weights, then the bias."""
        return self.w + [self.b]

    def forward(self, x):
        """activation(b + w0*x0 + w1*x1 + ...) as one Value."""
        return self._run(_as_inputs(x, self.nin))

    def _run(self, x: list):
        total = self.b
        for wi, xi in zip(self.w, x):
            total = total + wi * xi
        return total if self._apply is None else self._apply(total)

    def config(self) -> dict:
        """nin, activation and init."""
        return {"nin": self.nin, "activation": self.activation, "init": self.init}


class Layer(Module):
    """`nout` neurons that all read the same inputs."""

    def __init__(self, nin: int, nout: int, activation: str = "tanh", init: str = "xavier", seed=None,
                 *, name: str = ""):
        """Neuron j is created (and later run) inside name_scope(f"neuron{j}"); it gets row j of the weights."""
        self.nin, self.nout = check_count(nin, "nin"), check_count(nout, "nout")
        check_parameter_count(self.nout * (self.nin + 1), "nin and nout")
        self.activation = check_activation(activation)
        self.init = init
        weights = initial_weights(init, self.nin, self.nout, check_seed(seed))
        prefix = f"{name}." if name else ""
        self.neurons = []
        for j, row in enumerate(weights):
            with name_scope(f"neuron{j}"):
                self.neurons.append(Neuron._from_row(self.nin, activation, init, row, f"{prefix}N{j}"))

    def children(self) -> list:
        """('neuron0', Neuron), ('neuron1', Neuron), ..."""
        return [(f"neuron{j}", n) for j, n in enumerate(self.neurons)]

    def forward(self, x):
        """The outputs for one sample: a Value when nout == 1, else a list."""
        out = self._run(_as_inputs(x, self.nin))
        return out[0] if len(out) == 1 else out

    def _run(self, x: list) -> list:
        out = []
        for j, neuron in enumerate(self.neurons):
            with name_scope(f"neuron{j}"):
                out.append(neuron._run(x))
        return out

    def config(self) -> dict:
        """nin, nout, activation and init."""
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation, "init": self.init}

    def describe(self) -> str:
        """Layer(nin=..., nout=..., activation=...)."""
        return f"Layer(nin={self.nin}, nout={self.nout}, activation={self.activation!r})"

    def __repr__(self):
        return self.describe()


class MLP(Module):
    """A multilayer perceptron: layers of sizes `sizes`, hidden `activation`, then `output_activation`."""

    def __init__(self, nin: int, sizes, activation: str = "tanh", output_activation: str = "linear",
                 init: str = "xavier", seed=None):
        """`sizes` lists each layer's width, the last being the number of outputs."""
        self.nin = check_count(nin, "nin")
        if isinstance(sizes, (int, np.integer)) or not hasattr(sizes, "__iter__"):
            raise TypeError(f"sizes must be a list of layer widths such as [16, 16, 1], got {sizes!r}")
        self.sizes = check_layer_widths(self.nin, sizes, "sizes")
        widths = [self.nin] + self.sizes
        self.activation = check_activation(activation)
        self.output_activation = check_activation(output_activation, "output_activation")
        self.init = check_choice(init, INITS, "init")
        rng = check_seed(seed)
        self.layers = []
        for i in range(len(self.sizes)):
            last = i == len(self.sizes) - 1
            with name_scope(f"layer{i}"):
                self.layers.append(Layer(widths[i], widths[i + 1], output_activation if last else activation,
                                         init, rng, name=f"L{i}"))

    @property
    def nout(self) -> int:
        """Number of outputs."""
        return self.sizes[-1]

    def children(self) -> list:
        """('layer0', Layer), ('layer1', Layer), ..."""
        return [(f"layer{i}", layer) for i, layer in enumerate(self.layers)]

    def forward(self, x):
        """The output for one sample: a Value when there is one output, else a list."""
        x = _as_inputs(x, self.nin)
        for i, layer in enumerate(self.layers):
            with name_scope(f"layer{i}"):
                x = layer._run(x)
        return x[0] if len(x) == 1 else x

    def config(self) -> dict:
        """nin, sizes, activation, output_activation and init."""
        return {"nin": self.nin, "sizes": self.sizes, "activation": self.activation,
                "output_activation": self.output_activation, "init": self.init}

    def describe(self) -> str:
        """MLP(nin=..., sizes=[...], init=...): N parameters."""
        return (f"MLP(nin={self.nin}, sizes={self.sizes}, init={self.init!r}): "
                f"{self.num_parameters()} parameters")
