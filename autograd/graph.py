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

from .chain import chain, evaluate, propagate, run_hooks
from .modes import current
from .value import Value, _as_float


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


def joint_topological_order(roots) -> list:
    """Every node any of `roots` depends on, once each, in the roots' topological orders one after another."""
    order = {}
    for root in roots:
        order.update(dict.fromkeys(topological_order(root)))
    return list(order)


def backward(root: Value, grad: float = 1.0, order=None) -> None:
    """Reverse-mode differentiation: set `.grad` of every node to d root / d node.

    Every pass computes each node's gradient from zero. Inner nodes keep this
    pass's gradient; a leaf gets it added to its grad once, at the end (as in
    PyTorch), so calling backward twice gives every leaf exactly twice its
    gradient, bit for bit, until you zero them. Hooks registered with
    `Value.register_hook` see a node's gradient once it is complete (a leaf's:
    this pass's share) and may return a replacement; a pass stopped by an error
    leaves every leaf's grad as it was. `order` (for callers that already have
    it) must be `topological_order(root)` or another topological order of
    root's graph.
    """
    _check_root(root)
    if type(grad) is not float:
        grad = _as_float(grad, "grad")
    order = topological_order(root) if order is None else _check_order(order, root)
    earlier = start_pass(order, root, grad)
    try:
        propagate(reversed(order), current().anomaly)
        finish_pass(earlier)
    except BaseException:
        abort_pass(earlier)
        raise


def start_pass(order, root, grad: float) -> list:
    """Begin a pass: set every leaf's earlier grad aside, zero every grad, seed the root; returns the set-aside list."""
    earlier = []
    for node in order:
        if node._entry is None:
            earlier.append((node, node.grad))
        node.grad = 0.0
    root.grad += grad
    return earlier


def finish_pass(earlier) -> list:
    """End a pass: each leaf's hooks see this pass's share, then its earlier grad is added once; returns the shares."""
    for leaf, _ in earlier:
        if leaf._hooks is not None:
            run_hooks(leaf)
    shares = []
    for leaf, before in earlier:
        share = leaf.grad
        shares.append(share)
        leaf.grad = before + share
    return shares


def abort_pass(earlier) -> None:
    """Put every leaf's grad back as it was before the pass, so a pass stopped by an error changes none."""
    for leaf, before in earlier:
        leaf.grad = before


def _check_order(order, root):
    """`order` as a list of Values, if it is a topological order of root's graph ending at root; else an error."""
    if isinstance(order, (str, bytes)) or not hasattr(order, "__iter__"):
        raise TypeError(f"order must be a list of Values (topological_order(root)), got {type(order).__name__}")
    order = list(order)
    position = {}
    for i, node in enumerate(order):
        if not isinstance(node, Value):
            raise TypeError(f"order[{i}] must be a Value, got {type(node).__name__}; "
                            f"pass topological_order(root) or leave order out")
        if node in position:
            raise ValueError(f"order lists order[{i}] twice (also at {position[node]}); "
                             f"pass topological_order(root) or leave order out")
        position[node] = i
    if not order or order[-1] is not root:
        raise ValueError("order must end with root: pass topological_order(root) or leave order out")
    for i, node in enumerate(order):
        for parent in node.parents:
            where = position.get(parent)
            if where is None or where > i:
                problem = "misses an operand of" if where is None else "puts an operand after"
                raise ValueError(f"order {problem} order[{i}], so it is not a topological order of root's graph; "
                                 f"pass topological_order(root) or leave order out")
    if len(order) != len(topological_order(root)):
        raise ValueError("order lists Values that root does not depend on; pass topological_order(root) "
                         "or leave order out")
    return order


def zero_grad(root: Value) -> None:
    """Set the grad of every node `root` depends on to 0."""
    for node in topological_order(root):
        node.grad = 0.0


def node_names(nodes) -> dict:
    """A display name for each node: its label, else v1, v2, ... in creation order."""
    if isinstance(nodes, (Value, str, bytes)) or not hasattr(nodes, "__iter__"):
        raise TypeError(f"nodes must be a list of Values (e.g. topological_order(root)), got {type(nodes).__name__}")
    nodes = list(nodes)
    for i, node in enumerate(nodes):
        if not isinstance(node, Value):
            raise TypeError(f"nodes[{i}] must be a Value, got {type(node).__name__}")
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
    _check_root(node, "node")
    op = node._entry
    if op is None:
        return ()
    x, y = _operand_data(node)
    return tuple(evaluate(d, x, y, node.k, node.data) for d in op.derivatives)


def contributions(node: Value, grad=None) -> tuple:
    """What backprop adds to each parent's grad: `grad` (default node.grad) times d node / d parent.

    Exactly the numbers backward() adds; a quotient derivative is applied as a
    division, so a subnormal x gives log's x the finite grad / x, not grad * inf.

    >>> x = Value(1e-310)
    >>> y = x.log()
    >>> local_gradients(y), contributions(y, 0.0)
    ((inf,), (0.0,))
    """
    _check_root(node, "node")
    g = node.grad if grad is None else _as_float(grad, "grad")
    op = node._entry
    if op is None:
        return ()
    x, y = _operand_data(node)
    return tuple(chain(op, i, g, x, y, node.k, node.data) for i in range(op.arity))


def _operand_data(node):
    """(x, y) of an op node, y = 0.0 for a unary op."""
    return node._a.data, (0.0 if node._b is None else node._b.data)
