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

from .graph import topological_order
from .modes import _switched
from .value import Value, _as_float


def grad(output: Value, inputs, grad_output=1.0, create_graph: bool = False) -> list:
    """d output / d input for each input, as Values; `.grad` of every node is left alone.

    With create_graph=True the results are Value graphs built from the op table's
    graph derivatives, so they can be differentiated again; otherwise they are
    plain leaves. An input the output does not depend on gets Value(0.0). The
    numbers are backward()'s: a derivative that divides by zero (sqrt's at 0) is
    inf or NaN here too, not an error; and gradient hooks run as in backward()
    (called with the node's complete gradient as a float; a returned number
    replaces it, as a constant).
    """
    inputs = _check_arguments(output, inputs, create_graph)
    if not isinstance(grad_output, Value):
        grad_output = Value(_as_float(grad_output, "grad_output"))
    with _switched(grad_enabled=create_graph, ieee_division=True):
        grads = _gradients(output, grad_output)
        return [grads[x] if x in grads else Value(0.0) for x in inputs]


def _gradients(output, grad_output) -> dict:
    """node -> d output / d node as a Value, for every node output depends on."""
    grads = {output: grad_output}
    for node in reversed(topological_order(output)):
        g = grads.get(node)
        if g is None:
            continue
        if node._hooks is not None:
            g = grads[node] = _after_hooks(node, g)
        op = node._entry
        if op is None:
            continue
        parents = node.parents
        y = parents[1] if op.arity == 2 else None
        divisors = op.divisors or (None,) * op.arity
        for parent, derivative, divisor in zip(parents, op.graph_derivatives, divisors):
            if divisor is None:
                contribution = g * derivative(parents[0], y, node.k, node)
            else:  # g / x, as backward() divides: g * (1 / x) overflows for a subnormal x
                contribution = g / divisor(parents[0], y, node.k, node)
            grads[parent] = contribution if parent not in grads else grads[parent] + contribution
    return grads


def _after_hooks(node, g):
    """The node's gradient once its hooks ran on it (as floats, as in backward())."""
    for hook in node._hooks:
        replacement = hook(g.data)
        if replacement is not None:
            g = Value(_as_float(replacement, "the value a gradient hook returned"))
    return g


def _check_arguments(output, inputs, create_graph) -> list:
    """`inputs` as a list of Values, or a TypeError naming the argument that is wrong."""
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value):
        raise TypeError("inputs must be a list of Values; wrap a single one: [x]")
    if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(f"inputs must be a list of Values, got {type(inputs).__name__}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"inputs[{i}] must be a Value, got {type(x).__name__}")
    if not isinstance(create_graph, bool):
        raise TypeError(f"create_graph must be True or False, got {create_graph!r}")
    return inputs
