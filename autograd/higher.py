"""Gradients as Values, so a gradient can be differentiated again (Hessians, d2y/dx2).

>>> from autograd import Value, grad
>>> x = Value(3.0)
>>> y = x ** 3
>>> (dy,) = grad(y, [x], create_graph=True)
>>> dy.data
27.0
>>> (d2y,) = grad(dy, [x])
>>> d2y.data
18.0
"""

from . import state
from .graph import topological_order
from .value import Value


def grad(output: Value, inputs, grad_output=1.0, create_graph: bool = False) -> list:
    """d output / d input for each input, as Values; `.grad` of every node is left alone.

    With create_graph=True the results are Value graphs built from the op table's
    graph derivatives, so they can be differentiated again; otherwise they are
    plain leaves. An input the output does not depend on gets Value(0.0).
    """
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value):
        raise TypeError("inputs must be a list of Values; wrap a single one: [x]")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"inputs[{i}] must be a Value, got {type(x).__name__}")
    previous = state.grad_enabled
    state.grad_enabled = bool(create_graph)
    try:
        grads = {output: grad_output if isinstance(grad_output, Value) else Value(grad_output)}
        for node in reversed(topological_order(output)):
            g = grads.get(node)
            op = node._op
            if g is None or op is None:
                continue
            parents = node.parents
            y = parents[1] if op.arity == 2 else None
            for parent, derivative in zip(parents, op.graph_derivatives):
                contribution = g * derivative(parents[0], y, node.k, node)
                grads[parent] = contribution if parent not in grads else grads[parent] + contribution
        return [grads[x] if x in grads else Value(0.0) for x in inputs]
    finally:
        state.grad_enabled = previous
