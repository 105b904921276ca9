"""Backprop one node at a time, with the chain rule explained at every step.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(1.0, label="b")
>>> n = x * w + b; n.label = "n"
>>> y = n.tanh(); y.label = "y"
>>> steps = y.backward_steps()       # nothing is computed until you ask
>>> next(steps)
Step 1/3  y = tanh(n) = -0.9999   upstream dy/dy = 1
  local  d tanh(n)/dn = 1 - tanh(n)^2 = 1 - (-0.9999)^2 = 0.0001816
  n.grad += 1 * 0.0001816  ->  0 + 0.0001816 = 0.0001816
>>> steps.step().summary()
'<Step 2/3 n = v1 + b: v1.grad += 0.0001816 -> 0.0001816; b.grad += 0.0001816 -> 0.0001816>'
>>> steps.run().position, len(steps), steps.step()
(3, 3, None)

Stepping to the end does exactly the float operations of `backward()` in the same
order, so every grad ends up == to what `backward()` gives.
"""

from .chain import chain, evaluate, propagate
from .display import mimebundle
from .graph import _operand_data, contributions, finish_pass, node_names, start_pass, topological_order
from .modes import current
from .ops import format_constant
from .trace import Accumulated, Edge, Step, Undone, expression, fill, format_number, step_records, steps_table
from .value import Value, _as_float


class BackpropStepper:
    """An iterator over backprop's steps: each step passes one node's gradient to its parents.

    Steps visit the non-leaf nodes in reverse topological order, as `backward()` does,
    and each step is the same chain-rule function `backward()` runs. The first step
    (or `run()`) starts the pass like `backward()`: it saves every grad, sets leaves'
    earlier grads aside, sets every grad to 0 and adds `grad` to the root's grad; the
    last step adds the earlier grads back to the leaves (gradient accumulation) and
    shows it. `back()` and `reset()` restore the saved grads exactly, so position 0
    always means "as before the stepper touched anything".

    `step()` returns the Step it took, or None when every step is done; `next()`
    raises StopIteration instead, so `for step in stepper` works. Every step checks
    that the nodes it reads still hold the data and operands they had when the
    stepper was created, and raises RuntimeError when they were edited in place.

    Gradient hooks run as in `backward()`: a node's hooks when its step begins,
    hooked leaves' hooks (on this pass's share) when the last step ends.
    """

    def __init__(self, root: Value, grad: float = 1.0):
        self._order = topological_order(root)
        self.root = root
        self.grad = _as_float(grad, "grad")
        self._nodes = [node for node in reversed(self._order) if node._entry is not None]
        self._saved = _snapshot(self._order)
        self._names = None
        self._index = None  # node -> position in _order, built by the first step()
        self._start_grads = None  # every grad before the pass started; None until then
        self._finished = False  # True once the last step added the leaves' earlier grads back
        self._earlier = None  # (leaf, grad set aside) from start_pass
        self._finish_grads = []  # leaves' grads before the pass was finished
        self._shares = []  # leaves' grads from this pass alone, after their hooks
        self._before_hooks = {}  # step index -> the node's grad before its hooks replaced it
        self._upstream = []  # per step taken: d root / d node
        self._first_edge = []  # per step taken: where its edges start in the two lists below
        self._local = []  # per edge: d node / d parent
        self._before = []  # per edge: the parent's grad before the step added to it

    # -- controls -----------------------------------------------------------
    def step(self):
        """Take the next step and return it as a Step; None when every step is done."""
        if self._start_grads is None:
            self._start()
        position = len(self._upstream)
        if position == len(self._nodes):
            self._finish()
            return None
        node = self._nodes[position]
        self._check((node, *node.parents))
        self._check_value(node)
        self._advance(position + 1)
        if position + 1 == len(self._nodes):
            self._finish()
        return self._make_step(position)

    def __next__(self):
        """The next Step; StopIteration when every step is done."""
        step = self.step()
        if step is None:
            raise StopIteration
        return step

    def __iter__(self):
        return self

    def run(self) -> "BackpropStepper":
        """Take every remaining step (without building Step objects) and return the stepper."""
        if self._start_grads is None:
            self._start()
        else:
            self._check(self._order)
        for node in self._nodes[len(self._upstream):]:
            self._check_value(node)
        self._advance(len(self._nodes))
        self._finish()
        return self

    def back(self):
        """Undo the last step, restoring the grads it changed exactly; returns what it undid (None at the start)."""
        position = len(self._upstream)
        if position == 0:
            self.reset()
            return None
        undone = Undone(self._make_step(position - 1))
        if self._finished:
            for (leaf, _), grad in zip(self._earlier, self._finish_grads):
                leaf.grad = grad
            self._finished = False
        start = self._first_edge.pop()
        node = self._nodes[position - 1]
        for parent, previous in zip(reversed(node.parents), reversed(self._before[start:])):
            parent.grad = previous
        if position - 1 in self._before_hooks:
            node.grad = self._before_hooks.pop(position - 1)
        del self._local[start:], self._before[start:]
        self._upstream.pop()
        if position == 1:
            self.reset()
        return undone

    def reset(self) -> None:
        """Go back to position 0: every grad as it was before the first step."""
        if self._start_grads is not None:
            for node, grad in zip(self._order, self._start_grads):
                node.grad = grad
            self._start_grads = None
        self._finished = False
        self._earlier = None
        self._before_hooks.clear()
        self._upstream.clear()
        self._first_edge.clear()
        self._local.clear()
        self._before.clear()

    @property
    def position(self) -> int:
        """How many steps have been taken."""
        return len(self._upstream)

    @property
    def done(self) -> bool:
        """True once every step has been taken."""
        return self._finished

    def __len__(self):
        """How many steps the pass takes: one per non-leaf node."""
        return len(self._nodes)

    def __repr__(self):
        status = ", done" if self.done else ""
        return f"<BackpropStepper for {self.names[self.root]}: {self.position}/{len(self)} steps{status}>"

    def quiz(self, input=input, output=print):
        """Predict each remaining step's local derivatives and grads in the terminal, then see; see autograd.quiz."""
        from .quiz import quiz

        return quiz(self, input=input, output=output)

    # -- the trace as data ----------------------------------------------------
    @property
    def names(self) -> dict:
        """The name shown for each node: its label, else v1, v2, ... (fixed when first asked for)."""
        if self._names is None:
            self._names = node_names(self._order)
        return self._names

    def history(self) -> list:
        """The steps taken so far, in order, as Step objects."""
        return [self._make_step(i) for i in range(len(self._upstream))]

    def to_records(self) -> list:
        """One dict per edge of every step taken, with node ids and names, e.g. for pandas.DataFrame."""
        return step_records(self.history())

    def table(self) -> str:
        """The steps taken so far as a text table: node, op, upstream, local, contribution, grad after."""
        if not self._upstream:
            return f"(no steps taken yet: {len(self)} to go; call run() or step())"
        return steps_table(self.history())

    def to_html(self, path, **options):
        """Write this backprop as a self-contained HTML page to step through in a browser; see viz.to_html."""
        from .display import drawing_layer

        return drawing_layer(required="BackpropStepper.to_html").to_html(self, path, **options)

    def _repr_mimebundle_(self, include=None, exclude=None):
        """What Jupyter shows: the explorer from the drawing layer, or this repr and the steps so far without one."""
        text = repr(self) + ("\n" + self.table() if self._upstream else "")
        return mimebundle(self, "stepper_mimebundle", text)

    # -- internals ------------------------------------------------------------
    def _start(self):
        """Begin the pass as backward() does: save grads, set leaves' grads aside, zero every grad, seed the root."""
        self._check(self._order)
        self._start_grads = [node.grad for node in self._order]
        self._earlier = start_pass(self._order, self.root, self.grad)

    def _finish(self):
        """End the pass as backward() does: leaves' hooks run on this pass's share, then their earlier grads return."""
        if self._finished:
            return
        self._finish_grads = [leaf.grad for leaf, _ in self._earlier]
        try:
            self._shares = finish_pass(self._earlier)
        except BaseException:
            for (leaf, _), grad in zip(self._earlier, self._finish_grads):
                leaf.grad = grad
            raise
        self._finished = True

    def _advance(self, stop: int) -> None:
        """Take steps until `stop` have been taken: the chain rule by propagate(), as backward() runs it."""
        nodes, upstream, first_edge = self._nodes, self._upstream, self._first_edge
        local, before = self._local, self._before
        checking = current().anomaly
        for i in range(len(upstream), stop):
            node = nodes[i]
            op = node._entry
            a, b = node._a, node._b  # the operands; b is None for a unary op
            grad_a, grad_b, grad_node = a.grad, (None if b is None else b.grad), node.grad
            try:
                propagate((node,), checking)
            except BaseException:  # a hook or anomaly mode stopped the step: it changed nothing
                node.grad, a.grad = grad_node, grad_a
                if b is not None and b is not a:
                    b.grad = grad_b
                raise
            if node._hooks is not None:
                self._before_hooks[i] = grad_node
            g = node.grad
            x, y = a.data, (0.0 if b is None else b.data)
            first_edge.append(len(before))
            before.append(grad_a)
            local.append(evaluate(op.derivatives[0], x, y, node.k, node.data))
            if b is not None:  # for `a + a`, b starts from a's grad after the first edge's addition
                before.append(grad_a + chain(op, 0, g, x, y, node.k, node.data) if b is a else grad_b)
                local.append(evaluate(op.derivatives[1], x, y, node.k, node.data))
            upstream.append(g)

    def _make_step(self, i: int) -> Step:
        """Step number i + 1, rebuilt from the recorded numbers."""
        names = self.names
        node = self._nodes[i]
        op = node._entry
        g = self._upstream[i]
        start = self._first_edge[i]
        parents = node.parents
        constant = format_constant(node.k)
        symbols = dict(zip("xy", (names[p] for p in parents)), k=constant, out=names[node])
        numbers = dict(zip("xy", (format_number(p.data) for p in parents)), k=constant, out=format_number(node.data))
        edges = []
        divisors = op.divisors or (None,) * op.arity
        for j, (parent, contribution) in enumerate(zip(parents, contributions(node, g))):
            local, previous = self._local[start + j], self._before[start + j]
            divisor = None if divisors[j] is None else evaluate(divisors[j], *_operand_data(node), node.k, node.data)
            edges.append(Edge(parent, names[parent], "xy"[j], local, fill(op.rules[j], symbols),
                              fill(op.numerics[j], numbers), contribution, previous, previous + contribution,
                              divisor))
        return Step(i + 1, len(self._nodes), node, names[node], op.name, expression(node, names), node.data,
                    names[self.root], g, tuple(edges), self._before_hooks.get(i),
                    self._accumulated() if i + 1 == len(self._nodes) else ())

    def _accumulated(self) -> tuple:
        """The leaves whose earlier grads the finished pass added to this pass's share (none before the end)."""
        if not self._finished:
            return ()
        names = self.names
        return tuple(Accumulated(leaf, names[leaf], earlier, share, leaf.grad)
                     for (leaf, earlier), share in zip(self._earlier, self._shares) if earlier != 0.0)

    def _check(self, nodes) -> None:
        """Raise RuntimeError when any of `nodes` changed data, op, operands or constant since creation."""
        if nodes is self._order:
            if _snapshot(self._order) == self._saved:
                return
            positions = range(len(self._order))
        else:
            if self._index is None:
                self._index = {node: i for i, node in enumerate(self._order)}
            positions = (self._index[node] for node in nodes)  # lazily: a replaced operand raises first
        for i in positions:
            node = self._order[i]
            change = _describe_change(node, self.names[node], *(saved[i] for saved in self._saved))
            if change:
                raise RuntimeError(
                    f"the graph changed since this stepper was created: {change}. The stepper only explains the "
                    f"graph it was made for; rebuild the expression (values computed from the old numbers are "
                    f"stale) and create a new stepper from it with .backward_steps()"
                )

    def _check_value(self, node) -> None:
        """Raise RuntimeError when `node` no longer equals its op applied to its operands' data."""
        try:
            now = evaluate(node._entry.forward, *_operand_data(node), node.k)
        except ValueError:  # outside the op's domain
            now = None
        if now is not None and (now == node.data or now != now and node.data != node.data):
            return
        names = self.names
        formula = expression(node, names)
        raise RuntimeError(
            f"{names[node]} = {formula} holds {node.data!r}, but {formula} of its operands' current data is {now!r}: "
            f"a number it was computed from was edited before this stepper was made. Rebuild the expression from "
            f"the current numbers and create a new stepper from it with .backward_steps()"
        )


def _snapshot(order) -> tuple:
    """What the stepper relies on, per node: data, op, operands, constant (no tuple per node: GC-light)."""
    return ([n.data for n in order], [n._entry for n in order], [n._a for n in order], [n._b for n in order],
            [n.k for n in order])


def _same(new, old) -> bool:
    return new is old or new == old


def _describe_change(node, name, data, op, a, b, k):
    """How `node` differs from what was saved, as text ('' when it does not)."""
    if not _same(node.data, data):
        return f"{name}.data is now {node.data!r}, was {data!r} (edited in place)"
    if node._entry is not op:
        now, before = (o.name if o else "nothing (a leaf)" for o in (node._entry, op))
        return f"{name} is now made by {now}, was made by {before}"
    if node._a is not a or node._b is not b:
        return f"the operands of {name} were replaced"
    if not _same(node.k, k):
        return f"the constant k of {name} is now {node.k!r}, was {k!r}"
    return ""
