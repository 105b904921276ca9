"""Planning a tape: find dot products and dense layers, give nodes slots, emit instructions."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

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


@dataclass
class Plan:
    """Everything the kernels need, as arrays, plus the node <-> slot maps."""

    order: list
    slot: dict = field(default_factory=dict)
    slot_nodes: list = field(default_factory=list)
    n_dense: int = 0


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
        ops_and_constants = {(act._op.code, act.k) if act is not None else None for act in acts}
        act = acts[0]
        if (act is not None and len(ops_and_constants) == 1 and act._op.arity == 1 and act._op.from_output
                and act._op.domain is None):
            fused.update((d.node, a) for d, a in zip(members, acts))
    return fused


def plan(order, outputs, inputs, params, fuse, input_grads):
    """Turn the graph into kernel arrays (see kernel_source.py for how they are read)."""
    result = Plan(order)
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

    def slot(node):
        if node not in result.slot:
            result.slot[node] = len(result.slot_nodes)
            result.slot_nodes.append(node)
        return result.slot[node]

    for x in inputs:
        slot(x)
    code, out, a, b, konst, dense = [], [], [], [], [], []
    d_int, dense_slots, w_index, b_index = [], [], [], []
    group_of = {d.node: key for key, members in groups.items() for d in members}
    emitted = set()
    for node in order:
        if node._op is None or node in absorbed or node in applied_in_layers:
            continue
        if node in group_of:
            key = group_of[node]
            if key in emitted:
                continue
            emitted.add(key)
            members = groups[key]
            first = members[0]
            nin, nout = len(first.xs), len(members)
            act = activation.get(first.node)
            d_int.append((nin, nout, len(dense_slots), len(dense_slots) + nin, len(w_index),
                          len(b_index) if first.bias is not None else -1, int(first.bias_first),
                          act._op.code if act is not None else -1))
            dense_slots.extend(slot(x) for x in first.xs)
            dense_slots.extend(slot(activation.get(d.node, d.node)) for d in members)
            for d in members:
                w_index.extend(param_index[w] for w in d.weights)
                if d.bias is not None:
                    b_index.append(param_index[d.bias])
            code.append(DENSE), out.append(-1), a.append(-1), b.append(-1), konst.append(act.k if act is not None else 0.0)
            dense.append(len(d_int) - 1)
            continue
        parents = node.parents
        code.append(node._op.code)
        a.append(slot(parents[0]))
        b.append(slot(parents[1]) if len(parents) == 2 else -1)
        out.append(slot(node))
        konst.append(node.k)
        dense.append(-1)
    for o in outputs:
        slot(o)
    result.n_dense = len(d_int)

    # Leaves that instructions read: inputs from X, params and constants broadcast.
    n_params = len(params)
    constants, fill_slots, fill_sources, shared_slots, shared_params = [], [], [], [], []
    for node in result.slot_nodes:
        if node._op is not None or node in input_set:
            continue
        fill_slots.append(result.slot[node])
        if node in param_index:
            fill_sources.append(param_index[node])
            shared_slots.append(result.slot[node])
            shared_params.append(param_index[node])
        else:
            fill_sources.append(n_params + len(constants))
            constants.append(node.data)

    needs_grad = np.zeros(len(result.slot_nodes), dtype=np.bool_)
    dense_members = {d.node for ds in groups.values() for d in ds} | applied_in_layers
    for node in order:
        s = result.slot.get(node)
        if s is None:
            continue
        if node._op is None:
            needs_grad[s] = node in param_index or (input_grads and node in input_set)
        elif node in dense_members:
            needs_grad[s] = True
        else:
            needs_grad[s] = any(needs_grad[result.slot[p]] for p in node.parents)

    as_int = lambda xs: np.array(xs, dtype=np.int64)  # noqa: E731
    result.code = as_int(code)
    result.ins = np.ascontiguousarray(np.array([code, out, a, b, dense], dtype=np.int64).reshape(5, -1).T)
    result.out, result.a, result.b = as_int(out), as_int(a), as_int(b)
    result.konst = np.array(konst, dtype=np.float64)
    result.dense = as_int(dense)
    result.d_int = np.array(d_int, dtype=np.int64).reshape(-1, 8)
    result.dense_slots, result.w_index, result.b_index = as_int(dense_slots), as_int(w_index), as_int(b_index)
    result.input_slots = as_int([result.slot[x] for x in inputs])
    result.output_slots = as_int([result.slot[o] for o in outputs])
    result.fill_slots, result.fill_sources = as_int(fill_slots), as_int(fill_sources)
    result.constants = np.array(constants, dtype=np.float64)
    result.shared_slots, result.shared_params = as_int(shared_slots), as_int(shared_params)
    result.needs_grad = needs_grad
    result.grad_input_slots = as_int([result.slot[x] for x in inputs] if input_grads else [])
    result.checked = [(t, TABLE[c]) for t, c in enumerate(code) if c != DENSE and TABLE[c].domain is not None]
    return result
