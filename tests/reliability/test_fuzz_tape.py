"""The numba path (autograd.compile, tape.forward, tape.backward) against the Value path on the same graphs.

A random graph is built once on harmless placeholder leaves and compiled; then
every row of hostile numbers (1e-300..1e300, subnormals, 0, -0, NaN, inf) runs
through the tape and through the Value path rebuilt on that row. Per row:

* when the Value path raises an op's domain error, the tape raises a
  ZeroDivisionError/ValueError naming an op whose domain that row leaves;
* otherwise every node's value, every parameter gradient and every input
  gradient agree: NaN where NaN, the same infinities, finite numbers to rounding;
* a batch of the clean rows repeated across several parallel blocks gives every
  row bit for bit what it gave alone.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import OPS, Value, backward, compile, topological_order
from autograd.value import apply
from tests.reliability import tally
from tests.reliability.graphs import (DOMAIN_ERRORS, absolute_gradients, kind, leaf_values, programs, run_floats,
                                      run_values, same_number)

CATEGORY = "fuzz tape vs Value path"


def build_on_placeholders(n_leaves, steps):
    """The graph on harmless leaves; a step that would raise there becomes mul/tanh (same operands)."""
    leaves = [Value(0.5 + 0.25 * i, label=f"leaf{i}") for i in range(n_leaves)]
    nodes, used = list(leaves), []
    for name, operands, k in steps:
        try:
            node = apply(OPS[name], *(nodes[j] for j in operands), k=k)
        except DOMAIN_ERRORS:
            name, k = ("mul" if OPS[name].arity == 2 else "tanh"), 0.0
            node = apply(OPS[name], *(nodes[j] for j in operands), k=k)
        nodes.append(node)
        used.append((name, operands, k))
    return leaves, nodes, used


def graph_root(nodes, n, only_last):
    return nodes[-1] if only_last else sum(nodes[n:], Value(0.0))


def same_bits(a, b) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def agree(grads, input_grads, ours, split, n, root) -> bool:
    """The tape's parameter and input gradients equal the Value path's leaf grads (NaN/inf exactly)."""
    sensitivity = absolute_gradients(topological_order(root), root)
    pairs = list(zip(grads.tolist(), ours[split:n])) + list(zip(input_grads.tolist(), ours[:split]))
    for value, leaf in pairs:
        assert kind(value) == kind(leaf.grad) and (
            kind(value) != "finite"
            or abs(value - leaf.grad) <= 1e-11 * max(abs(leaf.grad), sensitivity.get(leaf, 0.0))), (value, leaf)
    return True


def same_array_bits(a, b) -> bool:
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | ((a == b) & (np.signbit(a) == np.signbit(b)))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(max_leaves=4, max_steps=8), st.booleans(), st.booleans(), st.data())
def test_the_tape_computes_what_the_value_path_computes(program, fuse, only_last, data):
    first_row, steps = program
    n = len(first_row)
    rows = [list(first_row)] + data.draw(st.lists(st.lists(leaf_values(), min_size=n, max_size=n), max_size=3))
    split = max(1, n // 2)
    leaves, nodes, steps = build_on_placeholders(n, steps)
    root = graph_root(nodes, n, only_last)
    outputs = [root] + [node for node in nodes[n:] if node is not root]
    tape = compile(outputs, inputs=leaves[:split], params=leaves[split:], fuse=fuse, input_grads=True)
    param_values = np.array(first_row[split:], dtype=np.float64)
    clean, results = [], []
    for row in rows:
        values = row[:split] + first_row[split:]
        X = np.array([row[:split]])
        ours, failure = run_values(values, steps)
        if failure is not None:
            _, violations = run_floats(values, steps)
            with pytest.raises(DOMAIN_ERRORS) as caught:
                tape.forward(X, params=param_values)
            assert str(caught.value).split(":")[0] in violations, (caught.value, violations)
            tally.record(CATEGORY, "rows with a domain error: the tape raises it too")
            continue
        expected_root = graph_root(ours, n, only_last)
        expected = [expected_root] + [node for node in ours[n:] if node is not expected_root]
        got = tape.forward(X, params=param_values)[0]
        for value, node in zip(got.tolist(), expected):
            assert same_number(value, node.data, rel=1e-12), (value, node)
        tally.record(CATEGORY, "node values (NaN/inf/finite) equal", len(expected),
                     held=sum(same_number(v, e.data, rel=1e-12) for v, e in zip(got.tolist(), expected)))
        tally.record(CATEGORY, "node values equal bit for bit", len(expected),
                     held=sum(same_bits(v, e.data) for v, e in zip(got.tolist(), expected)))
        grads = tape.backward(reduction="sum")
        input_grads = tape.input_gradients[0]
        backward(expected_root)
        # The other outputs' nodes (some with inf/NaN local derivatives) must not reach the root's gradients.
        assert agree(grads, input_grads, ours, split, n, expected_root)
        tally.record(CATEGORY, "leaf gradients (params and inputs) agree", n)
        clean.append(row[:split])
        results.append((got, tape.input_gradients[0].copy()))  # the compiled tape's, for the batch check
    if not clean:
        return
    # The same rows across several parallel blocks: each row gives bit for bit what it gave alone.
    repeats = -(-300 // len(clean))
    X = np.tile(np.array(clean), (repeats, 1))
    got = tape.forward(X, params=param_values)
    tape.backward(reduction="sum")
    alone_out = np.tile(np.array([r[0] for r in results]), (repeats, 1))
    alone_grads = np.tile(np.array([r[1] for r in results]), (repeats, 1))
    assert same_array_bits(got, alone_out)
    assert same_array_bits(tape.input_gradients, alone_grads)
    tally.record(CATEGORY, f"rows re-run in batches of ~300 ({tape._block(len(X))}-sample blocks), bit for bit",
                 len(X))


def one_output_graph(x):
    """(leaf, w, outputs [w*x, sqrt(x), exp(x)]): sqrt's derivative is infinite at x = 0."""
    leaf, w = Value(x, label="x"), Value(2.0, label="w")
    return leaf, w, [w * leaf, leaf.sqrt(), leaf.exp()]


@pytest.mark.parametrize("x", [math.nan, 0.0, -0.0, 5e-324, math.inf])
@pytest.mark.parametrize("chosen", [0, 1, 2])
def test_gradient_of_one_output_ignores_the_others(x, chosen):
    # The pass for one output must not run through the others: their upstream is 0, and
    # 0 * (sqrt's inf derivative at 0) or 0 * exp(NaN) would be NaN where the Value path passes nothing.
    leaf, w, outputs = one_output_graph(1.0)
    tape = compile(outputs, inputs=[leaf], params=[w], input_grads=True)
    tape.forward(np.array([[x]]))
    grads = tape.backward(output=chosen, reduction="sum")
    leaf, w, outputs = one_output_graph(x)
    backward(outputs[chosen])
    assert same_bits(float(tape.input_gradients[0, 0]), leaf.grad) and same_bits(float(grads[0]), w.grad)


@pytest.mark.parametrize("chosen", [0, 1])
def test_a_fused_layer_passes_back_only_the_chosen_neuron(chosen):
    # Two neurons of one dense layer are the two outputs; the other neuron's infinite weight
    # times its upstream 0 must not reach the inputs' or the weights' gradients.
    def layer(xs):
        ws = [[Value(1.5), Value(-2.0)], [Value(math.inf), Value(0.5)]]
        bs = [Value(0.25), Value(-1.0)]
        outs = [b + w0 * xs[0] + w1 * xs[1] for (w0, w1), b in zip(ws, bs)]
        return [w for row in ws for w in row] + bs, outs

    xs = [Value(0.5), Value(-3.0)]
    params, outs = layer(xs)
    tape = compile(outs, inputs=xs, params=params, input_grads=True)
    assert tape._plan.n_dense == 1
    tape.forward([[0.5, -3.0]])
    grads = tape.backward(output=chosen, reduction="sum")
    reference_xs = [Value(0.5), Value(-3.0)]
    reference_params, reference_outs = layer(reference_xs)
    backward(reference_outs[chosen])
    assert grads.tolist() == [p.grad for p in reference_params]
    assert tape.input_gradients[0].tolist() == [x.grad for x in reference_xs]
    assert np.isfinite(tape.input_gradients).all() == (chosen == 0)

