"""Value graph -> graphviz.Digraph: what every node holds and how its gradient flows back.

Pure: this module builds DOT source and renders nothing (`viz.render` does that).
Each Value is a box ``name | data | grad``, each operation a small oval with the op
table's symbol, and each operand an edge of its own, so ``a * a`` shows two edges.

>>> from autograd import Value
>>> a = Value(2.0, label="a")
>>> b = a * a; b.label = "b"
>>> dot = to_dot(b, show_local_derivatives=True)
>>> dot.source.count(" -> ")  # a -> op twice (one edge per operand), op -> b
3
>>> to_dot(b).source == to_dot(b).source  # byte-identical for the same graph
True
"""

import re
from dataclasses import dataclass, field

import graphviz

from autograd import Value, joint_topological_order, local_gradients, node_names
from autograd.ops import format_constant
from autograd.trace import fill

from . import labels

DEFAULT_MAX_NODES = 400
RANKDIRS = ("LR", "TB", "RL", "BT")
LEVELS = ("neuron", "layer")
_LEVEL_PART = {"neuron": re.compile(r"neuron\d+"), "layer": re.compile(r"layer\d+")}


class TooManyNodesError(ValueError):
    """The graph has more nodes to draw than max_nodes allows."""


@dataclass(frozen=True)
class Options:
    """How to draw a graph; `diagram_options` checks every field."""

    show_grad: bool = True
    show_local_derivatives: bool = False
    show_rules: bool = False
    precision: int = 4
    rankdir: str = "LR"
    highlight: dict = field(default_factory=dict)
    max_nodes: int = DEFAULT_MAX_NODES
    collapse: str = None
    cluster: str = None


def diagram_options(**options) -> Options:
    """Check drawing options (the keyword arguments of `to_dot`) and return them as Options."""
    unknown = sorted(set(options) - set(Options.__dataclass_fields__))
    if unknown:
        raise TypeError(f"unknown drawing option {', '.join(unknown)}; the options are "
                        f"{', '.join(Options.__dataclass_fields__)}")
    result = Options(**options)
    for name in ("show_grad", "show_local_derivatives", "show_rules"):
        if not isinstance(getattr(result, name), bool):
            raise TypeError(f"{name} must be True or False, got {getattr(result, name)!r}")
    if isinstance(result.precision, bool) or not isinstance(result.precision, int) or not 1 <= result.precision <= 17:
        raise ValueError(f"precision must be a whole number of significant digits from 1 to 17, "
                         f"got {result.precision!r}")
    if result.rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(map(repr, RANKDIRS))} "
                         f"('LR' draws left to right), got {result.rankdir!r}")
    if isinstance(result.max_nodes, bool) or not isinstance(result.max_nodes, int) or result.max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive integer, got {result.max_nodes!r}")
    for name in ("collapse", "cluster"):
        if getattr(result, name) not in (None, *LEVELS):
            raise ValueError(f"{name} must be None, 'neuron' or 'layer', got {getattr(result, name)!r}")
    return result


def scope_part(scope: str, level: str):
    """The prefix of a scope naming its neuron or layer, e.g. 'layer0' of 'layer0.neuron3'; None if absent.

    >>> scope_part("model.layer0.neuron3", "layer"), scope_part("mse", "neuron")
    ('model.layer0', None)
    """
    parts = scope.split(".") if scope else []
    for i, part in enumerate(parts):
        if _LEVEL_PART[level].fullmatch(part):
            return ".".join(parts[: i + 1])
    return None


@dataclass
class Drawing:
    """A built diagram: the Digraph plus the DOT names given to each Value and edge."""

    dot: graphviz.Digraph
    node_ids: dict  # Value -> DOT name of its box (or of the group box that holds it)
    operand_edges: dict  # (Value, operand index) -> DOT id of that operand's edge into the Value's op
    result_edges: dict  # Value -> DOT id of the edge from its op to it


def to_dot(root, **options) -> graphviz.Digraph:
    """The graph of `root` (a Value or a list of Values) as a graphviz.Digraph, ready to render.

    Options: show_grad=True, show_local_derivatives=False (the number d node/d operand
    on each operand edge), show_rules=False (also the op table's rule in operand
    names; implies show_local_derivatives), precision=4 (significant digits),
    rankdir='LR' or 'TB', highlight={node: color} (or a list of nodes),
    max_nodes=400, collapse='neuron'|'layer' (one box per neuron or layer of an nn
    model), cluster='neuron'|'layer' (a framed group per neuron or layer).
    """
    return build(root, diagram_options(**options), frames=False).dot


def model_hint(root) -> str:
    """For a model passed where a Value belongs: how to draw it instead ('' for anything else)."""
    if callable(root) and hasattr(root, "parameters"):
        return ("; a model is drawn through what it computes: call it on one sample x first and pass "
                "the result, e.g. viz.draw(model(x), collapse='neuron')")
    return ""


def graph_nodes(root) -> list:
    """Every Value `root` (a Value or a list of Values) depends on, in creation order."""
    roots = [root] if isinstance(root, Value) else root
    if not isinstance(roots, (list, tuple)) or not roots or not all(isinstance(r, Value) for r in roots):
        raise TypeError(f"root must be a Value or a non-empty list of Values, got {type(root).__name__}"
                        f"{model_hint(root)}")
    return sorted(joint_topological_order(roots), key=lambda node: node.id)


def _highlight_colors(highlight, nodes) -> dict:
    if isinstance(highlight, Value):
        highlight = [highlight]
    if not isinstance(highlight, dict):
        try:
            highlight = dict.fromkeys(highlight, labels.HIGHLIGHT)
        except TypeError:
            raise TypeError(f"highlight must be a dict {{node: color}} or a list of nodes, "
                            f"got {type(highlight).__name__}") from None
    known = set(nodes)
    for node, color in highlight.items():
        if node not in known:
            raise ValueError(f"highlight names {node!r}, which is not in the graph being drawn; "
                             f"highlight nodes that root depends on")
        labels.check_color(color, "highlight color")
    return highlight


def _count_drawn(nodes, groups) -> int:
    free = [node for node in nodes if node not in groups]
    return len(free) + sum(1 for node in free if node.op_info is not None) + len(set(groups.values()))


def _group_members(nodes, groups, roots) -> tuple:
    """(group -> its Values, group -> its Values used outside it or drawn as roots), in creation order."""
    members, outputs = {}, {}
    for node in nodes:
        if node in groups:
            members.setdefault(groups[node], []).append(node)
        for parent in node.parents:
            if parent in groups and groups[parent] != groups.get(node):
                outputs.setdefault(groups[parent], {})[parent] = None
    for root in roots:
        if root in groups:
            outputs.setdefault(groups[root], {})[root] = None
    return members, {part: list(used) for part, used in outputs.items()}


def build(root, options: Options, grad_width: int = 0, node_attrs=None, edge_attrs=None, frames=True) -> Drawing:
    """Build the Drawing of `root`; `node_attrs`/`edge_attrs` add attributes by DOT name or edge id.

    With `frames`, every box keeps a transparent frame that a highlight colors, so
    highlighting never changes a box's size (steps and pages draw on one layout);
    without, only highlighted boxes are framed and edges meet the other boxes' cells.
    """
    unframed = "transparent" if frames else None
    return _Builder(root, options, grad_width, node_attrs or {}, edge_attrs or {}, unframed).drawing()


class _Builder:
    """Collects one diagram's nodes (with the cluster each belongs to) and edges, then writes the Digraph."""

    def __init__(self, root, options, grad_width, node_attrs, edge_attrs, unframed):
        self.nodes = graph_nodes(root)
        self.unframed = unframed  # the frame color of a box that is not highlighted (None: no frame)
        self.options, self.grad_width = options, grad_width
        self.node_attrs, self.edge_attrs = node_attrs, edge_attrs
        self.groups = {}
        if options.collapse:
            self.groups = {n: part for n in self.nodes
                           if (part := scope_part(getattr(n, "scope", ""), options.collapse))}
        drawn = _count_drawn(self.nodes, self.groups)
        if drawn > options.max_nodes:
            hint = "" if options.collapse else \
                "collapse='neuron' or collapse='layer' to draw each neuron or layer as one box, or "
            raise TooManyNodesError(
                f"root's graph has {drawn} nodes to draw, more than max_nodes={options.max_nodes}; "
                f"pass {hint}a larger max_nodes= (Graphviz takes long beyond a few thousand nodes)")
        self.highlight = _highlight_colors(options.highlight, self.nodes)
        self.names = node_names(self.nodes)
        self.roots = [root] if isinstance(root, Value) else list(root)
        group_ids = {part: f"group{i}" for i, part in enumerate(dict.fromkeys(self.groups.values()), 1)}
        self.group_ids = group_ids
        self.node_ids = {n: group_ids[self.groups[n]] if n in self.groups else f"node{i}"
                         for i, n in enumerate(self.nodes, 1)}
        self.statements = []  # (cluster part, DOT name, attributes) per drawn node, in creation order
        self.edges = []  # (tail, head, attributes)
        self.operand_edges, self.result_edges, self.box_edges = {}, {}, set()

    def number(self, x: float) -> str:
        return labels.format_number(x, self.options.precision)

    def place(self, scope: str, name: str, attrs: dict) -> None:
        part = scope_part(scope, self.options.cluster) if self.options.cluster else None
        self.statements.append((part, name, {**attrs, **self.node_attrs.get(name, {})}))

    def add_edge(self, tail: str, head: str, attrs=None) -> str:
        edge_id = f"edge{len(self.edges) + 1}"
        self.edges.append((tail, head, {"id": edge_id, **(attrs or {})}))
        return edge_id

    def add_boxes(self) -> None:
        """One box per collapsed neuron or layer."""
        members, outputs = _group_members(self.nodes, self.groups, self.roots)
        for part, name in self.group_ids.items():
            color = next((self.highlight[n] for n in members[part] if n in self.highlight), self.unframed)
            cluster_part = scope_part(part, self.options.cluster) if self.options.cluster else None
            label = _group_label(part, members[part], outputs.get(part, []), self.number, self.options, color,
                                 cluster_part)
            self.place(part, name, dict(shape="plain", label=label))

    def add_value(self, node) -> None:
        """The box name | data | grad."""
        grad = self.number(node.grad) if self.options.show_grad else None
        fill_color = labels.LEAF_FILL if node.op_info is None else labels.NODE_FILL
        label = labels.value_label(self.names[node], not node.label, self.number(node.data), grad, fill_color,
                                   self.highlight.get(node, self.unframed), self.grad_width)
        self.place(getattr(node, "scope", ""), self.node_ids[node], dict(shape="plain", label=label))

    def add_op(self, i: int, node) -> str:
        """The oval with the op table's symbol and its edge to the result; returns the oval's name."""
        name = f"op{i}"
        self.place(getattr(node, "scope", ""), name, dict(
            shape="ellipse", style="filled", fillcolor=labels.OP_FILL, color=labels.OP_BORDER,
            margin="0.06,0.03", width="0.3", height="0.3", label=labels.text_label(node.op_info.label(node.k))))
        self.result_edges[node] = self.add_edge(name, self.node_ids[node])
        return name

    def add_operands(self, node, head: str) -> None:
        """One edge per operand into `head`, labelled with d node / d operand when asked."""
        options, boxed = self.options, node in self.groups
        shown = (options.show_local_derivatives or options.show_rules) and not boxed
        derivatives = local_gradients(node) if shown else ()
        for j, parent in enumerate(node.parents):
            tail = self.node_ids[parent]
            if tail == head or (boxed and (tail, head) in self.box_edges):
                continue  # inside one box, or already drawn: an edge into a box stands for every use inside
            if boxed:
                self.box_edges.add((tail, head))
            attrs = {}
            if derivatives:
                text = _local_text(node, j, derivatives[j], self.names, self.number, options)
                attrs["label"] = labels.text_label(text, labels.LOCAL)
            self.operand_edges[(node, j)] = self.add_edge(tail, head, attrs)

    def drawing(self) -> Drawing:
        self.add_boxes()
        for i, node in enumerate(self.nodes, 1):
            boxed = node in self.groups
            if not boxed:
                self.add_value(node)
            if node.op_info is not None:
                self.add_operands(node, self.node_ids[node] if boxed else self.add_op(i, node))
        dot = _digraph(self.options)
        _emit(dot, self.statements)
        for tail, head, attrs in self.edges:
            dot.edge(tail, head, **{**attrs, **self.edge_attrs.get(attrs["id"], {})})
        return Drawing(dot, self.node_ids, self.operand_edges, self.result_edges)


def _local_text(node, j, local, names, number, options) -> str:
    """'4' or, with rules, 'b = 4': d node / d operand j."""
    if not options.show_rules:
        return number(local)
    parents = node.parents
    symbols = dict(zip("xy", (names[p] for p in parents)), k=format_constant(node.k), out=names[node])
    rule, value = fill(node.op_info.rules[j], symbols), number(local)
    return value if rule == value else f"{rule} = {value}"


def _group_label(part, members, outputs, number, options, frame_color, cluster_part) -> str:
    """A collapsed neuron or layer: its name, its size and (with one output) that output's data and grad."""
    name = part[len(cluster_part) + 1:] if cluster_part and part.startswith(cluster_part + ".") else part
    leaves = sum(m.op_info is None for m in members)
    size = f"{len(members)} values, {leaves} leaves" + (f", {len(outputs)} outputs" if len(outputs) > 1 else "")
    out = outputs[0] if len(outputs) == 1 else None
    data = None if out is None else number(out.data)
    grad = number(out.grad) if out is not None and options.show_grad else None
    return labels.group_label(name, size, data, grad, frame_color)


def _digraph(options: Options) -> graphviz.Digraph:
    return graphviz.Digraph(
        "gradwalk",
        graph_attr=dict(rankdir=options.rankdir, bgcolor="white", pad="0.2", nodesep="0.25", ranksep="0.45",
                        fontname=labels.FONT, fontsize=str(labels.FONT_SIZE)),
        node_attr=dict(fontname=labels.FONT, fontsize=str(labels.FONT_SIZE), color=labels.CELL_BORDER),
        edge_attr=dict(fontname=labels.FONT, fontsize="11", color=labels.EDGE, arrowsize="0.7"),
    )


def _emit(dot, statements) -> None:
    """Nodes outside any cluster first, then one framed subgraph per cluster, in order of first appearance."""
    clusters = {}
    for part, name, attrs in statements:
        if part is None:
            dot.node(name, **attrs)
        else:
            clusters.setdefault(part, []).append((name, attrs))
    for i, (part, members) in enumerate(clusters.items(), 1):
        with dot.subgraph(name=f"cluster{i}") as sub:
            sub.attr(label=labels.text_label(part, labels.MUTED), labeljust="l", style="rounded,filled",
                     fillcolor="#f8f9fa", color="#ced4da")
            for name, attrs in members:
                sub.node(name, **attrs)
