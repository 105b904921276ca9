"""Planning a tape: find dot products and dense layers, give nodes slots, emit instructions."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..ops import TABLE

DENSE = len(TABLE)  # the fused-layer opcode, one past the op table (kernels.py agrees)


@dataclass
class Dot:
    """One neuron's pre-activation: optional bias plus a sum of weight * input products."""

    node: object
    weights: list
    xs: tuple
    bias: object
    bias_first: bool
    absorbed: list


class Instructions(NamedTuple):
    """The tape's program, one entry per instruction, run in order forward and in reverse backward."""

    opcode: np.ndarray  # int64: the op's position in the op table, or DENSE for a whole layer
    out: np.ndarray  # int64: the slot the op writes (-1 for DENSE: a layer writes its own slots)
    left: np.ndarray  # int64: the slot of the first operand (-1 for DENSE)
    right: np.ndarray  # int64: the slot of the second operand, -1 for a unary op
    layer: np.ndarray  # int64: DENSE's index into Layers, else -1
    constant: np.ndarray  # float64: the op's constant k (for DENSE, its activation's)


class Layers(NamedTuple):
    """The dense layers: one entry per layer in the first eight fields, then the lists they index into."""

    n_inputs: np.ndarray  # int64
    n_outputs: np.ndarray  # int64
    input_start: np.ndarray  # int64: where the layer's input slots start in `slots`
    output_start: np.ndarray  # int64: where its output slots (one per neuron) start in `slots`
    weight_start: np.ndarray  # int64: its weights, row by row (neuron by neuron), from here in `weight_params`
    bias_start: np.ndarray  # int64: its biases from here in `bias_params`, or -1 for no bias
    bias_first: np.ndarray  # int64: 1 when the bias starts each neuron's sum, 0 when it ends it
    activation: np.ndarray  # int64: the opcode applied inside the layer, -1 for none
    slots: np.ndarray  # int64: each layer's input slots, then its output slots
    weight_params: np.ndarray  # int64: the parameter index of every weight
    bias_params: np.ndarray  # int64: the parameter index of every bias


class Leaves(NamedTuple):
    """How the forward kernel fills the leaves' slots for a batch."""

    input_slots: np.ndarray  # int64: column c of X goes to slot input_slots[c]
    fill_slots: np.ndarray  # int64: the slots of parameters and constants, broadcast to every sample
    fill_sources: np.ndarray  # int64: for each, a parameter index, or n_params + an index into `constants`
    constants: np.ndarray  # float64: the values of the leaves that are neither inputs nor parameters


class Gradients(NamedTuple):
    """What the backward kernel differentiates and where it puts the results."""

    needs_grad: np.ndarray  # bool, per slot: whether a parameter (or a requested input) lies below it
    param_slots: np.ndarray  # int64: the slots of parameters that instructions read directly
    # int64: the parameter of each column of a block's row of grads, which holds the grads of
    # param_slots, then of the dense layers' weights (Layers.weight_params), then of their biases
    column_params: np.ndarray
    input_slots: np.ndarray  # int64: the input slots whose gradients are returned per sample (empty if none)


@dataclass(frozen=True)
class Plan:
    """A compiled graph: the kernels' structures, and the maps between nodes and slots."""

    order: list  # every node, in topological order
    slot: dict  # node -> its slot (a row of vals); nodes absorbed into a dot product have none
    slot_nodes: list  # slot -> its node
    instructions: Instructions
    layers: Layers
    leaves: Leaves
    gradients: Gradients
    output_slots: np.ndarray  # int64: the slot of each output
    checked: list  # (instruction, op) for every op with a domain, checked after each forward pass

    @property
    def n_dense(self) -> int:
        """How many dense layers the graph was fused into."""
        return len(self.layers.n_inputs)


def _flatten_sum(node, consumers, outputs):
    """The terms of a chain of single-use adds rooted at node, left to right."""
    terms, absorbed, stack = [], [], [node]
    while stack:
        n = stack.pop()
        if n.op == "add" and (n is node or (consumers[n] == 1 and n not in outputs)):
            absorbed.append(n)
            stack.extend(reversed(n.parents))
        else:
            terms.append(n)
    return terms, absorbed


def match_dot(node, consumers, outputs, is_param):
    """A Dot when node is `[b +] w1*x1 + ... [+ b]` with parameter weights, else None."""
    terms, absorbed = _flatten_sum(node, consumers, outputs)
    bias = None
    bias_first = False
    if is_param(terms[0]) or is_param(terms[-1]):
        bias_first = is_param(terms[0])
        bias = terms.pop(0) if bias_first else terms.pop()
    weights, xs = [], []
    for term in terms:
        if term.op != "mul" or consumers[term] != 1 or term in outputs:
            return None
        a, b = term.parents
        if is_param(a) and not is_param(b):
            weights.append(a), xs.append(b)
        elif is_param(b) and not is_param(a):
            weights.append(b), xs.append(a)
        else:
            return None
        absorbed.append(term)
    if not weights:
        return None
    return Dot(node, weights, tuple(xs), bias, bias_first, absorbed[1:])


def find_dots(order, consumers, outputs, is_param):
    """Dots found from the outputs down, so each takes the longest chain it can."""
    dots, absorbed = {}, set()
    for node in reversed(order):
        if node.op == "add" and node not in absorbed:
            dot = match_dot(node, consumers, outputs, is_param)
            if dot is not None:
                dots[node] = dot
                absorbed.update(dot.absorbed)
    return dots, absorbed


def fused_activations(order, groups, consumers, outputs) -> dict:
    """{neuron: its activation} for the dense layers whose every neuron feeds one op applied inside the layer.

    The op must be unary with a derivative read from its output (`Op.from_output`) and no
    domain, the same op and constant for the whole layer, and the neuron's only use: then
    the kernels compute it in the layer's last pass and never store the neuron's value
    (node_values recomputes it).
    """
    user = {p: node for node in order for p in node.parents}
    fused = {}
    for members in groups.values():
        acts = [user.get(d.node) if consumers[d.node] == 1 and d.node not in outputs else None for d in members]
        ops_and_constants = {(act.op_info.code, act.k) if act is not None else None for act in acts}
        act = acts[0]
        if (act is not None and len(ops_and_constants) == 1 and act.op_info.arity == 1 and act.op_info.from_output
                and act.op_info.domain is None):
            fused.update((d.node, a) for d, a in zip(members, acts))
    return fused


def plan(order, outputs, inputs, params, fuse, input_grads) -> Plan:
    """Turn the graph into the kernels' structures (see kernel_source.py for how they are read)."""
    param_index = {p: i for i, p in enumerate(params)}
    input_set = set(inputs)
    output_set = set(outputs)
    consumers = Counter(p for node in order for p in node.parents)
    consumers.update(outputs)
    is_param = param_index.__contains__
    dots, absorbed = find_dots(order, consumers, output_set, is_param) if fuse else ({}, set())

    groups = defaultdict(list)  # neurons sharing inputs become one dense layer
    for node in order:
        if node in dots:
            d = dots[node]
            groups[(tuple(id(x) for x in d.xs), d.bias is not None, d.bias_first)].append(d)
    activation = fused_activations(order, groups, consumers, output_set)
    applied_in_layers = set(activation.values())

    slots, slot_nodes = {}, []

    def slot(node):
        if node not in slots:
            slots[node] = len(slot_nodes)
            slot_nodes.append(node)
        return slots[node]

    for x in inputs:
        slot(x)
    instructions = {name: [] for name in Instructions._fields}
    layers = {name: [] for name in Layers._fields}

    def emit(opcode, out, left, right, layer, constant):
        for name, value in zip(Instructions._fields, (opcode, out, left, right, layer, constant)):
            instructions[name].append(value)

    group_of = {d.node: key for key, members in groups.items() for d in members}
    emitted = set()
    for node in order:
        if node.op_info is None or node in absorbed or node in applied_in_layers:
            continue
        if node in group_of:
            key = group_of[node]
            if key in emitted:
                continue
            emitted.add(key)
            members = groups[key]
            first = members[0]
            act = activation.get(first.node)
            row = (len(first.xs), len(members), len(layers["slots"]), len(layers["slots"]) + len(first.xs),
                   len(layers["weight_params"]), len(layers["bias_params"]) if first.bias is not None else -1,
                   int(first.bias_first), act.op_info.code if act is not None else -1)
            for name, value in zip(Layers._fields, row):
                layers[name].append(value)
            layers["slots"].extend(slot(x) for x in first.xs)
            layers["slots"].extend(slot(activation.get(d.node, d.node)) for d in members)
            for d in members:
                layers["weight_params"].extend(param_index[w] for w in d.weights)
                if d.bias is not None:
                    layers["bias_params"].append(param_index[d.bias])
            emit(DENSE, -1, -1, -1, len(layers["n_inputs"]) - 1, act.k if act is not None else 0.0)
            continue
        parents = node.parents
        emit(node.op_info.code, slot(node), slot(parents[0]), slot(parents[1]) if len(parents) == 2 else -1, -1,
             node.k)
    for o in outputs:
        slot(o)

    # Leaves that instructions read: inputs from X, params and constants broadcast.
    n_params = len(params)
    constants, fill_slots, fill_sources, param_slots, param_of_slot = [], [], [], [], []
    for node in slot_nodes:
        if node.op_info is not None or node in input_set:
            continue
        fill_slots.append(slots[node])
        if node in param_index:
            fill_sources.append(param_index[node])
            param_slots.append(slots[node])
            param_of_slot.append(param_index[node])
        else:
            fill_sources.append(n_params + len(constants))
            constants.append(node.data)

    needs_grad = np.zeros(len(slot_nodes), dtype=np.bool_)
    dense_members = {d.node for ds in groups.values() for d in ds} | applied_in_layers
    for node in order:
        s = slots.get(node)
        if s is None:
            continue
        if node.op_info is None:
            needs_grad[s] = node in param_index or (input_grads and node in input_set)
        elif node in dense_members:
            needs_grad[s] = True
        else:
            needs_grad[s] = any(needs_grad[slots[p]] for p in node.parents)

    as_int = lambda xs: np.array(xs, dtype=np.int64)  # noqa: E731
    input_slots = as_int([slots[x] for x in inputs])
    instructions = Instructions(*(np.array(instructions[name], dtype=np.float64) if name == "constant"
                                  else as_int(instructions[name]) for name in Instructions._fields))
    opcodes = instructions.opcode.tolist()
    return Plan(
        order=order, slot=slots, slot_nodes=slot_nodes, instructions=instructions,
        layers=Layers(*(as_int(layers[name]) for name in Layers._fields)),
        leaves=Leaves(input_slots, as_int(fill_slots), as_int(fill_sources), np.array(constants, dtype=np.float64)),
        gradients=Gradients(needs_grad, as_int(param_slots), as_int(param_of_slot + layers["weight_params"] +
                                                                   layers["bias_params"]),
                            input_slots.copy() if input_grads else as_int([])),
        output_slots=as_int([slots[o] for o in outputs]),
        checked=[(t, TABLE[c]) for t, c in enumerate(opcodes) if c != DENSE and TABLE[c].domain is not None],
    )
