"""Walking a Value graph: topological order, reverse-mode backward, node names.

Why topological order? A node's gradient is complete only once every node that
uses it has passed its share back, so backprop visits nodes so that each comes
after everything built on top of it: the reverse of a topological order.

>>> from autograd import Value
>>> a = Value(3.0, label="a")
>>> b = a * a
>>> [n.label or n.op for n in topological_order(b)]
['a', 'mul']
"""

from . import state
from .value import Value, _as_float, evaluate


def _check_root(root, argument="root"):
    if not isinstance(root, Value):
        raise TypeError(f"{argument} must be a Value, got {type(root).__name__}; build it from Value(...) operations")


def topological_order(root: Value) -> list:
    """Every node `root` depends on, each after all of its parents (iterative, no recursion)."""
    _check_root(root)
    order = []
    seen = set()
    stack = [root]  # nodes to visit, and beside them whether their parents are done
    finished = [False]
    while stack:
        node = stack.pop()
        if finished.pop():
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append(node)
        finished.append(True)
        a = node._a
        if a is not None:
            b = node._b
            if b is not None and b not in seen:
                stack.append(b)
                finished.append(False)
            if a not in seen:
                stack.append(a)
                finished.append(False)
    return order


def backward(root: Value, grad: float = 1.0, order=None) -> None:
    """Reverse-mode differentiation: set `.grad` of every node to d root / d node.

    Non-leaf grads are reset at the start of every pass; leaf grads accumulate
    across calls (as in PyTorch) until you zero them, so calling backward twice
    gives every leaf exactly twice its gradient. Every node keeps its grad after
    the pass (there is no retain_grad to ask for). Hooks registered with
    `Value.register_hook` see a node's gradient once it is complete (a leaf's:
    this pass's share) and may return a replacement.
    """
    _check_root(root)
    if type(grad) is not float:
        grad = _as_float(grad, "grad")
    if order is None:
        order = topological_order(root)
    for node in order:
        if node._op is not None:
            node.grad = 0.0
    hooked_leaves = _start_leaf_hooks(order) if state.hooks else None
    root.grad += grad
    checking = state.anomaly
    hooks = state.hooks if len(state.hooks) else None  # checked once: len() of a weak dict is not free
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        if hooks is not None and node in hooks:
            _run_hooks(node)
        g = node.grad
        k = node.k
        out = node.data
        # Unrolled by arity: this loop is the engine's hot path.
        if op.arity == 1:
            a = node._a
            x = a.data
            try:
                ca = g * op.derivatives[0](x, 0.0, k, out)
            except (OverflowError, ZeroDivisionError):
                ca = g * evaluate(op.derivatives[0], x, 0.0, k, out)
            if checking:
                state.check_finite(node, "backward", ca)
            a.grad += ca
        else:
            a, b = node._a, node._b
            x, y = a.data, b.data
            da, db = op.derivatives
            try:
                ca = g * da(x, y, k, out)
                cb = g * db(x, y, k, out)
            except (OverflowError, ZeroDivisionError):
                ca = g * evaluate(da, x, y, k, out)
                cb = g * evaluate(db, x, y, k, out)
            if checking:
                state.check_finite(node, "backward", ca)
                state.check_finite(node, "backward", cb)
            a.grad += ca
            b.grad += cb
    if hooked_leaves:
        for leaf, before in hooked_leaves:
            _run_hooks(leaf)
            leaf.grad += before


def _start_leaf_hooks(order):
    """Hooked leaves see only this pass's gradient: set theirs aside until the end."""
    hooked = [(leaf, leaf.grad) for leaf in order if leaf._op is None and leaf in state.hooks]
    for leaf, _ in hooked:
        leaf.grad = 0.0
    return hooked


def _run_hooks(node):
    for hook in list(state.hooks.get(node, ())):
        replacement = hook(node.grad)
        if replacement is not None:
            node.grad = _as_float(replacement, "the value a gradient hook returned")


def zero_grad(root: Value) -> None:
    """Set the grad of every node `root` depends on to 0."""
    for node in topological_order(root):
        node.grad = 0.0


def node_names(nodes) -> dict:
    """A display name for each node: its label, else v1, v2, ... in creation order."""
    taken = {node.label for node in nodes if node.label}
    names = {}
    counter = 0
    for node in sorted(nodes, key=lambda n: n.id):
        if node.label:
            names[node] = node.label
            continue
        counter += 1
        while f"v{counter}" in taken:
            counter += 1
        names[node] = f"v{counter}"
    return names


def local_gradients(node: Value) -> tuple:
    """d node / d parent for each parent edge of `node` (empty for a leaf), from the op table."""
    op = node._op
    if op is None:
        return ()
    parents = node.parents
    x = parents[0].data
    y = parents[1].data if op.arity == 2 else 0.0
    return tuple(evaluate(d, x, y, node.k, node.data) for d in op.derivatives)
