"""What a pass through the graph looks like, as data and as text: backprop steps and the forward trace.

The stepper (stepper.py) produces `Step`s; `forward_trace` lists the forward pass.
Numbers are shown with 4 significant digits, and a negative number inside a
formula is put in parentheses, so `1 - (-0.9951)^2` reads unambiguously.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
>>> print(forward_trace(x * w))
x = 2  (leaf)
w = -3  (leaf)
v1 = x * w = -6
"""

import html
import re
from dataclasses import dataclass

from .graph import node_names, topological_order
from .ops import format_constant

_PLACEHOLDER = re.compile(r"\{(x|y|k|out)\}")


def format_number(number: float) -> str:
    """A number as the explanations show it: 4 significant digits, e.g. 0.0001816 or -6."""
    return f"{number:.4g}"


def fill(template: str, values: dict) -> str:
    """Put `values` (texts for x, y, k, out) into an op-table template, parenthesising negatives.

    >>> fill("{k} * {x}^({k} - 1)", {"x": "-1.5", "k": "2"})
    '2 * (-1.5)^(2 - 1)'
    >>> fill("1 - ({out})^2", {"out": "-0.5"})
    '1 - (-0.5)^2'
    """
    if _PLACEHOLDER.fullmatch(template):
        return values[template[1:-1]]

    def substitute(match):
        text = values[match.group(1)]
        before = template[: match.start()].rstrip()[-1:]
        after = template[match.end():].lstrip()[:1]
        enclosed = before in ("(", ",") and after in (")", ",")
        return f"({text})" if text.startswith("-") and not enclosed else text

    return _PLACEHOLDER.sub(substitute, template)


def expression(node, names: dict) -> str:
    """The formula that made `node`, in names, e.g. 'tanh(n)' or 'x * w' (the name for a leaf)."""
    op = node._entry
    if op is None:
        return names[node]
    operands = dict(zip(("x", "y"), (names[p] for p in node.parents)), k=format_constant(node.k))
    return fill(op.expr, operands)


def wrt(name: str) -> str:
    """A name as it reads after d: 'x', or '(x1*w1 + b)' when the label is itself a formula."""
    return name if re.fullmatch(r"[\w.]+", name) else f"({name})"


def derivative_of(formula: str) -> str:
    """'d tanh(n)' for a function call or |n|, 'd(x * w)' for anything else."""
    if re.fullmatch(r"\w+\([^()]*\)|\|[^|]*\|", formula):
        return f"d {formula}"
    return f"d({formula})"


@dataclass(frozen=True, slots=True, repr=False)
class Edge:
    """One parent edge of a backprop step: the chain rule d root/d parent += upstream * local."""

    parent: object  # the parent Value
    parent_name: str
    operand: str  # "x" or "y": which operand of the op the parent is
    local: float  # d node / d parent
    rule: str  # the local derivative as a formula in names, e.g. "1 - tanh(n)^2"
    numeric: str  # the same formula with numbers, e.g. "1 - (-0.9951)^2"
    contribution: float  # upstream * local, added to the parent's grad (upstream / divisor when there is one)
    grad_before: float
    grad_after: float
    # For a derivative 1 / divisor (log's 1/x), the number upstream was divided by: upstream * (1/x)
    # overflows for a subnormal x where upstream / x does not. None when upstream was multiplied.
    divisor: object = None

    def __repr__(self):
        return (f"<Edge {wrt(self.parent_name)}.grad += {format_number(self.contribution)} -> "
                f"{format_number(self.grad_after)}>")


@dataclass(frozen=True, slots=True, repr=False)
class Accumulated:
    """A leaf that held a grad from earlier passes: the pass adds its own share to it once, at the end."""

    leaf: object
    name: str
    earlier: float  # the grad before this pass
    this_pass: float  # d root / d leaf from this pass (after the leaf's hooks)
    total: float  # earlier + this_pass, the leaf's grad now

    def __str__(self):
        return (f"{wrt(self.name)}.grad = {format_number(self.earlier)} (earlier passes) + "
                f"{format_number(self.this_pass)} (this pass) = {format_number(self.total)}")


@dataclass(frozen=True, slots=True, repr=False)
class Step:
    """One node's turn in backprop: its upstream gradient passed to every parent edge."""

    number: int  # 1-based: "Step 1/4"
    total: int
    node: object  # the Value whose gradient is passed back
    name: str
    op: str
    expression: str  # the formula that made the node, e.g. "tanh(n)"
    value: float  # node.data
    root_name: str
    upstream: float  # d root / d node, complete when the step runs
    edges: tuple  # one Edge per operand, repeated operands included
    upstream_before_hooks: object = None  # the grad the node's hooks replaced by `upstream`; None: no hooks
    accumulated: tuple = ()  # on the last step: leaves whose earlier grads the pass added its share to

    def __str__(self):
        hooked = self.upstream_before_hooks
        lines = [
            f"Step {self.number}/{self.total}  {_defined(self.name, self.expression)} = {format_number(self.value)}"
            f"   upstream d{wrt(self.root_name)}/d{wrt(self.name)} = {format_number(self.upstream)}"
            + (f" (hooks replaced {format_number(hooked)})" if hooked is not None else "")
        ]
        g = in_formula(self.upstream)
        repeated = len({id(e.parent) for e in self.edges}) < len(self.edges)
        for edge in self.edges:
            which = f" ({'first' if edge.operand == 'x' else 'second'} operand)" if repeated else ""
            derivative = f"{derivative_of(self.expression)}/d{wrt(edge.parent_name)}{which}"
            lines.append(f"  local  {_equation(derivative, edge)}")
            lines.append(
                f"  {wrt(edge.parent_name)}.grad += {g} * {in_formula(edge.local)}{_as_division(self.upstream, edge)}  ->  "
                f"{in_formula(edge.grad_before)} + {in_formula(edge.contribution)} = {format_number(edge.grad_after)}"
            )
        if self.accumulated:
            lines.append("  leaf grads accumulate across passes: each gets this pass's share added once")
            lines.extend(f"  {each}" for each in self.accumulated)
        return "\n".join(lines)

    # The REPL echoes repr: typing next(steps) shows the whole explanation, as print would.
    def __repr__(self):
        return str(self)

    def summary(self) -> str:
        """The step on one line: which grads it changed, and to what."""
        updates = "; ".join(
            f"{wrt(e.parent_name)}.grad += {format_number(e.contribution)} -> {format_number(e.grad_after)}"
            for e in self.edges
        )
        return f"<Step {self.number}/{self.total} {_defined(self.name, self.expression)}: {updates}>"

    def _repr_html_(self):
        caption = html.escape(
            f"Step {self.number}/{self.total}: {self.name} = {self.expression}, "
            f"upstream d{wrt(self.root_name)}/d{wrt(self.name)} = {format_number(self.upstream)}"
        )
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in (
                e.parent_name, _equation(e.rule, e), format_number(e.local), format_number(e.contribution),
                f"{format_number(e.grad_before)} \u2192 {format_number(e.grad_after)}")) + "</tr>"
            for e in self.edges
        )
        head = "".join(f"<th>{h}</th>" for h in ("parent", "local rule", "local", "contribution", "grad"))
        return f"<table><caption>{caption}</caption><tr>{head}</tr>{rows}</table>"


@dataclass(frozen=True, slots=True, repr=False)
class Undone:
    """What `back()` undid: the step, and each grad it put back."""

    step: Step

    def __str__(self):
        restored = {}  # parent id -> (name, grad before the step, grad after it); a + a counts once
        for e in self.step.edges:
            name, before, _ = restored.get(id(e.parent), (e.parent_name, e.grad_before, None))
            restored[id(e.parent)] = (name, before, e.grad_after)
        grads = "; ".join(f"{wrt(name)}.grad back to {format_number(before)} (was {format_number(after)})"
                          for name, before, after in restored.values())
        return f"Undid step {self.step.number}/{self.step.total}  {_defined(self.step.name, self.step.expression)}: {grads}"

    def __repr__(self):
        return str(self)


def _defined(name: str, formula: str) -> str:
    """'n = x * w', or just the formula when the label is that formula."""
    return formula if name == formula else f"{name} = {formula}"


def _as_division(upstream: float, edge: Edge) -> str:
    """' (as g / x)' when the shown product upstream * local is not the contribution (1/x overflowed), else ''."""
    if edge.divisor is None or format_number(upstream * edge.local) == format_number(edge.contribution):
        return ""
    return f" (as {in_formula(upstream)} / {in_formula(edge.divisor)})"


def _equation(left: str, edge: Edge) -> str:
    """'left = rule = numeric = value', leaving out a part equal to the one before it."""
    parts = [left]
    for part in (edge.rule, edge.numeric, format_number(edge.local)):
        if part != parts[-1]:
            parts.append(part)
    return " = ".join(parts)


def step_records(steps) -> list:
    """One dict per edge of each Step, with node ids and names (the rows of a pandas.DataFrame)."""
    return [
        dict(step=step.number, node_id=step.node.id, node=step.name, op=step.op, expression=step.expression,
             value=step.value, upstream=step.upstream, upstream_before_hooks=step.upstream_before_hooks,
             parent_id=edge.parent.id, parent=edge.parent_name, operand=edge.operand, local=edge.local,
             rule=edge.rule, numeric=edge.numeric, contribution=edge.contribution,
             grad_before=edge.grad_before, grad_after=edge.grad_after)
        for step in steps for edge in step.edges
    ]


def steps_table(steps) -> str:
    """Steps as a text table, one row per edge: node, op, upstream, parent, local, contribution, grad after."""
    header = ("step", "node", "op", "upstream", "parent", "local", "contribution", "grad after")
    rows = [header]
    for step in steps:
        for j, edge in enumerate(step.edges):
            first = (str(step.number), step.name, step.op, format_number(step.upstream)) if j == 0 else ("",) * 4
            rows.append(first + (edge.parent_name, format_number(edge.local),
                                 format_number(edge.contribution), format_number(edge.grad_after)))
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def in_formula(number: float) -> str:
    """A number as it reads inside a formula: a negative one in parentheses."""
    text = format_number(number)
    return f"({text})" if text.startswith("-") else text


@dataclass(frozen=True, slots=True)
class ForwardRow:
    """One node of the forward pass: its name, the op and formula that made it, its value."""

    node: object
    name: str
    op: object  # op name, None for a leaf
    expression: str
    value: float

    def __str__(self):
        if self.op is None:
            return f"{self.name} = {format_number(self.value)}  (leaf)"
        return f"{self.name} = {self.expression} = {format_number(self.value)}"


@dataclass(frozen=True)
class ForwardTrace:
    """The forward pass in topological order; prints as one line per node."""

    rows: tuple

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def __str__(self):
        return "\n".join(map(str, self.rows))

    __repr__ = __str__

    def to_records(self) -> list:
        """The rows as dicts (node_id, node, op, expression, value), e.g. for pandas.DataFrame."""
        return [dict(node_id=r.node.id, node=r.name, op=r.op, expression=r.expression, value=r.value)
                for r in self.rows]

    def _repr_html_(self):
        rows = "".join(
            f"<tr><td>{html.escape(r.name)}</td><td>{html.escape(r.expression if r.op else 'leaf')}</td>"
            f"<td>{format_number(r.value)}</td></tr>" for r in self.rows
        )
        return f"<table><tr><th>node</th><th>made by</th><th>value</th></tr>{rows}</table>"


def forward_trace(root) -> ForwardTrace:
    """Every node `root` depends on, in the order they were computed, with values and formulas."""
    order = sorted(topological_order(root), key=lambda node: node.id)  # creation order is topological too
    names = node_names(order)
    return ForwardTrace(tuple(ForwardRow(n, names[n], n.op, expression(n, names), n.data) for n in order))
