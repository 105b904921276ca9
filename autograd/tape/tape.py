"""Compile a Value graph into a tape: flat arrays the numba kernels run over whole batches.

Build the graph once on placeholder inputs, then run it on every row of a matrix:

>>> from autograd import Value, compile
>>> x, w = Value(0.0, label="x"), Value(3.0, label="w")
>>> tape = compile(w * x + 1, inputs=[x], params=[w])
>>> tape.forward([[1.0], [2.0]]).ravel().tolist()
[4.0, 7.0]
>>> tape.backward(reduction="sum").tolist()  # d/dw of (3*1 + 1) + (3*2 + 1)
[3.0]

Each node gets a slot: a row of `vals[slot, sample]`. Fusion: a sum of products
`b + w1*x1 + w2*x2 + ...` whose weights are parameters becomes one dot product,
and the dot products that share their inputs (the neurons of one layer) become one
DENSE instruction. Anything else runs as one instruction per op-table op.
"""

import numpy as np

from . import warm
from ..graph import joint_topological_order, topological_order
from .checks import check_domain, check_inputs, check_leaves, check_samples, check_seed
from ..floats import as_float
from ..value import Value, evaluate


class Tape:
    """A compiled graph: forward over a batch, backward to parameter gradients."""

    def __init__(self, outputs, inputs, params, plan, input_grads):
        self.outputs, self.inputs, self.params = outputs, inputs, params
        self.order = plan.order
        self.slot = plan.slot
        self.n_slots = len(plan.slot_nodes)
        self.input_grads = input_grads
        self._plan = plan
        self.vals = None
        self._params = None  # the parameters of the last forward pass
        self.grads = None
        self.input_gradients = None
        self.block = 256
        # The dense layers' weights and biases in the order they read them, gathered from params by forward.
        self._weights = np.zeros(len(plan.layers.weight_params))
        self._biases = np.zeros(len(plan.layers.bias_params))
        self._seed_cache = (None, None)
        self._cones = {}  # output index -> which slots that output depends on
        self._rows = np.empty((0, 0))
        # The plan's structures as plain tuples: numba types a plain tuple of arrays in C as fast as
        # separate arguments, a NamedTuple through Python (several us a call). The per-instruction and
        # per-layer int fields go as one table each: every array a call takes costs its unboxing.
        i, lay = plan.instructions, plan.layers
        instructions = (np.stack(i[:5]).astype(np.int64).reshape(5, -1), i.constant)
        layers = (np.stack(lay[:8]).astype(np.int64).reshape(8, -1), lay.slots, lay.weight_params, lay.bias_params)
        self._forward_plan = (self._weights, self._biases, instructions, layers, tuple(plan.leaves))
        self._backward_plan = (self._weights, instructions, layers, tuple(plan.gradients))

    def __repr__(self):
        p = self._plan
        return (f"Tape({len(self.order)} nodes -> {self.n_slots} slots, {len(p.instructions.opcode)} instructions "
                f"({p.n_dense} dense), {len(self.inputs)} inputs, {len(self.params)} params)")

    def param_values(self) -> np.ndarray:
        """The parameters' current data, in the order of `params`."""
        return np.array([p.data for p in self.params], dtype=np.float64)

    def forward(self, X, params=None) -> np.ndarray:
        """Outputs for every row of X (shape samples x inputs), as an array samples x outputs.

        `params` (an array in the order of `tape.params`) replaces the parameters'
        current data, so a training loop can keep them in an array between steps.
        """
        X = check_samples(X, len(self.inputs))
        if params is None:
            params = self.param_values()
        elif not (type(params) is np.ndarray and params.dtype == np.float64 and params.shape == (len(self.params),)):
            raise ValueError(f"params must be a float64 array of shape ({len(self.params)},), one entry per tape parameter")
        n = X.shape[0]
        if self.vals is None or self.vals.shape[1] != n:
            self.vals = np.empty((self.n_slots, n))
        self._params = params
        block = self._block(n)
        n_blocks = -(-n // block)
        kernels = warm.load()
        # Spelled out here and in backward: a shared helper's extra call and argument tuple show in a one-block step.
        if warm.in_parallel(n_blocks):
            kernels.forward(self.vals, X, params, *self._forward_plan, block)
        else:  # one block, or several while a warm-up still compiles the parallel kernel: on this thread
            kernels.forward_blocks(self.vals, X, params, *self._forward_plan, block, 0, n_blocks)
        if self._plan.checked:
            check_domain(self, self.vals)
        self.grads = None
        return self.vals[self._plan.output_slots].T  # a new array (fancy indexing copies), column-major

    def _block(self, n):
        # Small batches run as one block: a parallel launch costs more than it saves.
        return n if n <= 128 else min(self.block, -(-n // 2))

    def backward(self, seed=None, output: int = 0, reduction: str = "mean", l2: float = 0.0) -> np.ndarray:
        """Gradients of the summed (or averaged) output over the batch, per parameter.

        Only output `output`'s own graph is differentiated, as `backward()` on that
        output alone would be; `seed` (one number per sample) replaces the reduction.
        `l2` adds the gradient of l2 * sum(p * p) over the parameters of the last forward
        pass (L2 regularisation), with the Value path's arithmetic: l2 * p once per operand.
        """
        if self.vals is None:
            raise RuntimeError("call tape.forward(X) before tape.backward()")
        p = self._plan
        n = self.vals.shape[1]
        if not isinstance(output, (int, np.integer)) or isinstance(output, bool):
            raise TypeError(f"output must be an int index into the {len(self.outputs)} outputs, got "
                            f"{type(output).__name__} {output!r}")
        if not 0 <= output < len(self.outputs):
            raise ValueError(f"output must be in 0..{len(self.outputs) - 1}, got {output!r}")
        seed = self._seed(n, reduction) if seed is None else check_seed(seed, n)
        if type(l2) is not float:
            l2 = as_float(l2, "l2")
        grads = np.zeros(len(self.params))
        g_inputs = np.zeros((n, len(p.gradients.input_slots)))
        block = self._block(n)
        n_blocks = -(-n // block)
        args = (self.vals, seed, p.output_slots[output], self._cone(output), grads, g_inputs, *self._backward_plan,
                self._gradient_rows(n_blocks), self._params, l2, block)
        kernels = warm.load()
        if warm.in_parallel(n_blocks):
            kernels.backward(*args)
        else:
            kernels.backward_blocks(*args, 0, n_blocks)
        self.grads = grads
        self.input_gradients = g_inputs if self.input_grads else None
        return grads

    def _gradient_rows(self, n_blocks: int) -> np.ndarray:
        """Scratch for backward: one row of grads per block (see Gradients.column_params), kept for the next batch."""
        if self._rows.shape[0] != n_blocks:
            self._rows = np.empty((n_blocks, len(self._plan.gradients.column_params)))
        return self._rows

    def _cone(self, output: int) -> np.ndarray:
        """Per slot, whether output `output` depends on it: backward runs only through those."""
        if output not in self._cones:
            cone = np.ones(self.n_slots, dtype=np.bool_)
            if len(self.outputs) > 1:
                cone[:] = False
                cone[[self.slot[node] for node in topological_order(self.outputs[output]) if node in self.slot]] = True
            self._cones[output] = cone
        return self._cones[output]

    def _seed(self, n, reduction):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        key = (n, reduction)
        if self._seed_cache[0] != key:
            self._seed_cache = (key, np.full(n, 1.0 / n if reduction == "mean" else 1.0))
        return self._seed_cache[1]

    def accumulate_grads(self) -> None:
        """Add `tape.grads` to the parameters' `.grad`, as Value.backward() would."""
        if self.grads is None:
            raise RuntimeError("call tape.backward() before accumulate_grads()")
        for param, g in zip(self.params, self.grads):
            param.grad += float(g)

    def node_values(self, sample: int) -> dict:
        """The value of every node of the graph for one sample of the last forward pass."""
        if self.vals is None:
            raise RuntimeError("call tape.forward(X) before asking for node values")
        n = self.vals.shape[1]
        if not isinstance(sample, (int, np.integer)) or not -n <= sample < n:
            raise IndexError(f"sample must be an integer index into the {n} samples of the last batch")
        values = {}
        for node in self.order:
            slot = self.slot.get(node)
            if slot is not None:
                values[node] = float(self.vals[slot, sample])
            elif node.op_info is None:
                values[node] = node.data
            else:
                ps = node.parents
                y = values[ps[1]] if len(ps) == 2 else 0.0
                values[node] = evaluate(node.op_info.forward, values[ps[0]], y, node.k)
        return values

    def value(self, node: Value, sample: int) -> float:
        """One node's value for one sample of the last forward pass."""
        values = self.node_values(sample)
        if node not in values:
            raise KeyError("node is not part of this tape's graph")
        return values[node]


def compile(outputs, inputs, params=None, fuse: bool = True, input_grads: bool = False) -> Tape:
    """Compile the graph of `outputs` (Values built on placeholder `inputs`) into a Tape.

    `params` are the leaves to differentiate with respect to (default: every leaf
    that is not an input); other leaves are constants.
    """
    from .plan import plan

    if isinstance(outputs, Value):
        outputs = [outputs]
    elif isinstance(outputs, (str, bytes)) or not hasattr(outputs, "__iter__"):
        raise TypeError(f"outputs must be a Value or a non-empty list of Values, got {type(outputs).__name__}")
    outputs = list(outputs)
    if not outputs or not all(isinstance(o, Value) for o in outputs):
        raise TypeError("outputs must be a Value or a non-empty list of Values")
    for name, flag in (("fuse", fuse), ("input_grads", input_grads)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {type(flag).__name__} {flag!r}")
    order = joint_topological_order(outputs)
    inputs = check_inputs(inputs, "inputs")
    if params is None:
        input_set = set(inputs)
        params = [n for n in order if n.op_info is None and n not in input_set]
    params = check_inputs(params, "params")
    check_leaves(inputs, params)
    return Tape(outputs, inputs, params, plan(order, outputs, inputs, params, fuse, input_grads), input_grads)
