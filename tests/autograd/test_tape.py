"""The numba tape computes what the Value path computes, for any graph and for MLPs."""

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd import OPS, Value, backward, compile
from autograd.tape import kernels
from tests.autograd.mlp import mlp
from tests.autograd.programs import programs, run_values


def value_path(build, inputs, params, X, reduction="sum"):
    """Per-sample outputs and summed parameter grads, computed one sample at a time on Values."""
    outputs, grads = [], np.zeros(len(params))
    for row in X:
        for leaf, x in zip(inputs, row):
            leaf.data = float(x)
        for p in params:
            p.grad = 0.0
        out = build()
        backward(out)
        outputs.append(out.data)
        grads += [p.grad for p in params]
    return np.array(outputs), grads / (len(X) if reduction == "mean" else 1)


def assert_close(ours, expected, rel=1e-12):
    ours, expected = np.asarray(ours), np.asarray(expected)
    assert ours.shape == expected.shape
    if expected.size == 0:
        return
    scale = np.maximum(np.abs(expected), 1e-300) + 1e-12 * (np.abs(expected).max() + 1)
    assert np.all(np.abs(ours - expected) <= rel * scale), (ours, expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(max_leaves=4, max_steps=10), st.integers(1, 300), st.integers(0, 2**31 - 1), st.booleans())
def test_random_graphs_match_the_value_path(program, n_samples, seed, fuse):
    leaves, steps = program
    leaf_values, nodes = run_values(leaves, steps)
    root = sum(nodes[len(leaves):], Value(0.0))
    split = max(1, len(leaf_values) // 2)
    inputs, params = leaf_values[:split], leaf_values[split:]
    tape = compile(root, inputs=inputs, params=params, fuse=fuse)
    X = np.random.default_rng(seed).uniform(-2, 2, size=(n_samples, len(inputs)))

    # The Value path on each sample: rebuild the same program with that sample's inputs.
    expected_out, expected_grads = [], np.zeros(len(params))
    for row in X:
        values = [float(x) for x in row] + [p.data for p in params]
        rebuilt_leaves, rebuilt = run_values(values, steps)
        out = sum(rebuilt[len(leaves):], Value(0.0))
        assume(math.isfinite(out.data))
        backward(out)
        expected_out.append(out.data)
        expected_grads += [leaf.grad for leaf in rebuilt_leaves[split:]]
    assume(np.all(np.isfinite(expected_grads)) and np.abs(expected_out).max() < 1e12)
    assume(np.abs(expected_grads).max(initial=0.0) < 1e12)
    out = tape.forward(X)[:, 0]
    assert_close(out, expected_out)
    assert_close(tape.backward(reduction="sum"), expected_grads, rel=1e-11)


@pytest.mark.parametrize("bias_first", [True, False])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_with_fused_layers_matches_the_value_path(activation, bias_first):
    model, params = mlp([2, 5, 4, 1], activation=activation, bias_first=bias_first)
    x = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    y = Value(0.0, label="y")
    tape = compile((1 - y * model(x)).relu(), inputs=x + [y], params=params)
    assert tape._plan.n_dense == 3
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(300, 2)), rng.choice([-1.0, 1.0], 300)])
    outputs, grads = value_path(lambda: (1 - y * model(x)).relu(), x + [y], params, X, "mean")
    assert np.array_equal(tape.forward(X)[:, 0], outputs)  # same additions in the same order
    assert_close(tape.backward(), grads)
    assert list(tape._plan.layers.activation) == [OPS[activation].code] * 2 + [-1]  # applied inside the layers


def test_an_activation_fused_into_its_layer_keeps_every_value_and_bit():
    """relu(neuron) computed inside the dense layer: the neuron gets no slot, node_values recomputes it."""
    model, params = mlp([3, 6, 5, 2])
    x = [Value(0.0) for _ in range(3)]
    outs = model(x)
    fused, plain = compile(outs, x, params), compile(outs, x, params, fuse=False)
    assert fused.n_slots < plain.n_slots and len(fused._plan.instructions.opcode) == 3
    X = np.random.default_rng(3).normal(size=(300, 3))
    assert np.array_equal(fused.forward(X), plain.forward(X))
    for output in (0, 1):
        assert_close(fused.backward(output=output), plain.backward(output=output), rel=1e-14)
    assert fused.node_values(7) == plain.node_values(7)


def test_activations_stay_separate_where_fusing_would_change_the_graph():
    """Not fused: a neuron used twice, a neuron that is an output, mixed activations, or a derivative that needs x."""
    rng = np.random.default_rng(4)
    x = [Value(0.0), Value(0.0)]
    weights = [[Value(rng.uniform(-1, 1)) for _ in x] for _ in range(3)]
    biases = [Value(0.1) for _ in weights]
    neurons = [sum((w * xi for w, xi in zip(row, x)), b) for row, b in zip(weights, biases)]
    cases = {
        "used twice": [neurons[0].relu() + neurons[0], neurons[1].relu(), neurons[2].relu()],
        "an output": [neurons[0].relu(), neurons[1].relu(), neurons[2].relu(), neurons[0]],
        "mixed": [neurons[0].relu(), neurons[1].tanh(), neurons[2].relu()],
        "not from the output": [n.leaky_relu(0.1) for n in neurons],
    }
    X = rng.normal(size=(20, 2))
    params = [w for row in weights for w in row] + biases
    for name, outs in cases.items():
        tape = compile(outs, x, params)
        assert tape._plan.n_dense == 1 and tape._plan.layers.activation[0] == -1, name
        plain = compile(outs, x, params, fuse=False)
        assert np.array_equal(tape.forward(X), plain.forward(X)), name


def test_fusion_is_optional_and_changes_nothing_but_speed():
    model, params = mlp([3, 6, 2])
    x = [Value(0.0) for _ in range(3)]
    outs = model(x)
    X = np.random.default_rng(1).normal(size=(50, 3))
    fused, plain = compile(outs, x, params), compile(outs, x, params, fuse=False)
    assert fused._plan.n_dense == 2 and plain._plan.n_dense == 0
    assert np.array_equal(fused.forward(X), plain.forward(X))
    assert_close(fused.backward(output=1), plain.backward(output=1))


def test_results_do_not_depend_on_thread_count():
    numba = pytest.importorskip("numba")
    model, params = mlp([2, 8, 1])
    x = [Value(0.0), Value(0.0)]
    tape = compile(model(x).tanh(), x, params)
    X = np.random.default_rng(2).normal(size=(5000, 2))
    results = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        results.append((tape.forward(X), tape.backward()))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert np.array_equal(results[0][0], results[1][0]) and np.array_equal(results[0][1], results[1][1])


def test_the_serial_drivers_compute_what_the_parallel_kernels_compute(monkeypatch):
    """A batch of several blocks runs on forward_blocks / backward_blocks while the parallel kernels compile
    in the background; both give the same bits."""
    from autograd.tape import warm

    model, params = mlp([3, 9, 5, 1])
    x = [Value(0.0) for _ in range(3)]
    out = model(x)
    tape = compile([(out - x[0]).tanh(), out.exp()], x, params, input_grads=True)
    tape.block = 32
    X = np.random.default_rng(7).normal(size=(300, 3))
    seed = np.random.default_rng(8).normal(size=300)
    results = []
    for parallel in (False, True):
        monkeypatch.setattr(warm, "in_parallel", lambda n_blocks, parallel=parallel: parallel)
        results.append((tape.forward(X), tape.backward(seed=seed), tape.input_gradients))
    assert -(-300 // tape._block(300)) == 10
    for a, b in zip(*results):
        assert a.tobytes() == b.tobytes()


def test_node_values_show_fused_intermediates():
    x, w, b = Value(0.0, label="x"), Value(2.0, label="w"), Value(0.5, label="b")
    product = w * x
    pre = b + product
    out = pre.tanh()
    tape = compile(out, inputs=[x], params=[w, b])
    tape.forward([[1.0], [3.0]])
    values = tape.node_values(1)
    assert values[product] == 6.0 and values[pre] == 6.5 and values[out] == math.tanh(6.5)
    assert tape.value(out, 0) == math.tanh(2.5)


def test_input_gradients_on_request():
    x, w = Value(0.0), Value(3.0)
    tape = compile((w * x) ** 2, inputs=[x], params=[w], input_grads=True)
    tape.forward([[1.0], [2.0]])
    tape.backward(reduction="sum")
    assert tape.input_gradients[:, 0].tolist() == [18.0, 36.0]  # d/dx (3x)^2 = 18x


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                    reason="without the JIT the kernels run in Python, where math raises its own error first")
def test_domain_error_names_op_node_and_sample():
    x = Value(1.0, label="x")
    tape = compile(x.log(), inputs=[x], params=[])
    with pytest.raises(ValueError, match=r"log: needs x > 0.*x = -2.0 at sample 2"):
        tape.forward([[1.0], [2.0], [-2.0], [0.0]])
    d = Value(1.0, label="d")
    with pytest.raises(ZeroDivisionError, match="sample 1"):
        compile(1.0 / d, inputs=[d], params=[]).forward([[1.0], [0.0]])


def test_a_domain_error_with_a_finite_ieee_result_is_caught_too():
    # (-inf) ** -1.5 is 0 in IEEE arithmetic, but the op table refuses a negative base with a
    # non-integer exponent, and so does the Value path: the tape must not return the 0.
    x, y = Value(1.0, label="x"), Value(1.0, label="y")
    with pytest.raises(ValueError, match=r"vpow: a negative number.*x = -inf, y = -1.5 at sample 1"):
        compile(x ** y, inputs=[x, y], params=[]).forward([[2.0, 1.0], [-math.inf, -1.5]])
    with pytest.raises(ValueError, match="sample 0"):
        compile(x ** -0.5, inputs=[x], params=[]).forward([[-math.inf]])
    with pytest.raises(ValueError, match="vpow"):
        x.data, y.data = -math.inf, -1.5
        x ** y


def test_overflow_is_not_a_domain_error():
    x = Value(1.0)
    assert compile(x.exp(), inputs=[x], params=[]).forward([[1000.0]])[0, 0] == math.inf


def test_accumulate_grads_adds_like_backward():
    x, w = Value(0.0), Value(3.0)
    tape = compile(w * x, inputs=[x], params=[w])
    tape.forward([[2.0]])
    tape.backward()
    tape.accumulate_grads()
    tape.accumulate_grads()
    assert w.grad == 4.0


@pytest.mark.parametrize("call, error, match", [
    (lambda t: t.forward([[1.0, 2.0]]), ValueError, r"shape \(samples, 1\)"),
    (lambda t: t.forward(np.zeros((0, 1))), ValueError, "no rows"),
    (lambda t: t.forward([["a"]]), TypeError, "X must be"),
    (lambda t: t.forward([[1.0]], params=[1.0]), ValueError, "params must be a float64 array"),
    (lambda t: t.backward(), RuntimeError, "forward"),
    (lambda t: (t.forward([[1.0]]), t.backward(reduction="max")), ValueError, "reduction"),
    (lambda t: (t.forward([[1.0]]), t.backward(seed=[1.0, 2.0])), ValueError, "seed"),
    (lambda t: (t.forward([[1.0]]), t.backward(output=3)), ValueError, "output"),
    (lambda t: (t.forward([[1.0]]), t.node_values(5)), IndexError, "sample"),
    (lambda t: t.forward(None), TypeError, "X must be"),
    (lambda t: t.forward([[None]]), TypeError, "X must be"),
    (lambda t: (t.forward([[1.0]]), t.backward(output=0.0)), TypeError, "output must be an int"),
    (lambda t: (t.forward([[1.0]]), t.backward(seed="a")), TypeError, "seed must be"),
])
def test_tape_misuse_is_explained(call, error, match):
    x, w = Value(0.0), Value(3.0)
    tape = compile(w * x, inputs=[x], params=[w])
    with pytest.raises(error, match=match):
        call(tape)


def test_compile_arguments_are_checked():
    x, w = Value(0.0), Value(1.0)
    y = w * x
    with pytest.raises(ValueError, match="leaf"):
        compile(y, inputs=[y], params=[])
    with pytest.raises(ValueError, match="twice"):
        compile(y, inputs=[x, x], params=[])
    with pytest.raises(ValueError, match="both inputs and params"):
        compile(y, inputs=[x], params=[x])
    with pytest.raises(TypeError, match="outputs"):
        compile([], inputs=[x])
    with pytest.raises(TypeError, match="list of Values"):
        compile(y, inputs=x)
    with pytest.raises(TypeError, match="outputs must be a Value"):
        compile(3, inputs=[x])
    with pytest.raises(TypeError, match="fuse must be True or False"):
        compile(y, inputs=[x], fuse=1)
    with pytest.raises(TypeError, match="input_grads must be True or False"):
        compile(y, inputs=[x], input_grads="no")


@pytest.mark.parametrize("x", [0.0, 4.0, math.nan])
def test_each_output_of_a_tape_backpropagates_only_its_own_graph(x):
    # sqrt's derivative is inf at 0: the pass for w * x must not run through it with upstream 0.
    def outputs():
        leaf, w = Value(1.0), Value(3.0)
        return leaf, w, [w * leaf, leaf.sqrt() * w, (leaf * w).exp()]

    leaf, w, outs = outputs()
    tape = compile(outs, inputs=[leaf], params=[w], input_grads=True)
    tape.forward([[x], [2.0]])
    for i in range(len(outs)):
        alone_leaf, alone_w, alone_outs = outputs()
        alone = compile(alone_outs[i], inputs=[alone_leaf], params=[alone_w], input_grads=True)
        alone.forward([[x], [2.0]])
        with np.errstate(divide="ignore", invalid="ignore"):  # 0.5 / sqrt(0) warns without the JIT
            grads = tape.backward(output=i, reduction="sum")
            expected = alone.backward(reduction="sum")
        np.testing.assert_array_equal(grads, expected)
        np.testing.assert_array_equal(tape.input_gradients, alone.input_gradients)


def test_default_params_are_all_other_leaves():
    x, w = Value(0.0), Value(2.0)
    tape = compile(w * x + 1.0, inputs=[x])
    assert len(tape.params) == 2 and w in tape.params


def test_generated_dispatch_covers_every_op_and_is_keyed_on_the_table(tmp_path, monkeypatch):
    from autograd.ops import TABLE

    source = kernels._dispatch_source()
    for op in TABLE:
        assert f"code == {op.code}:  # {op.name}" in source
    # Quotient derivatives divide the upstream gradient, as backward() does.
    assert f"gx[lane] += go[lane] / _d{OPS['log'].code}_0(" in source
    assert f"gy[lane] += go[lane] * _d{OPS['div'].code}_1(" in source
    before = kernels._fingerprint()
    sources = kernels._sources()
    assert {os.path.relpath(path, os.path.dirname(kernels.__file__)) for path in sources} == {
        os.path.join("..", "ops.py"), "plan.py", "kernel_source.py", "dense_source.py", "kernels.py"}
    copies = []
    for path in sources:
        copies.append(tmp_path / os.path.basename(path))
        copies[-1].write_bytes(open(path, "rb").read())
    monkeypatch.setattr(kernels, "_sources", lambda: copies)
    assert kernels._fingerprint() == before
    for copy in copies:  # a change to any of them makes a new module
        original = copy.read_bytes()
        copy.write_bytes(original + b"\n# changed\n")
        assert kernels._fingerprint() != before, copy.name
        copy.write_bytes(original)


def test_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("GRADWALK_NUMBA_CACHE", "0")
    assert not kernels.cache_enabled()
    monkeypatch.setenv("GRADWALK_NUMBA_CACHE", "1")
    assert kernels.cache_enabled()


def test_loading_the_kernels_leaves_no_file_open(monkeypatch):
    """load() reads the generated module it finds on disk and closes it (no ResourceWarning)."""
    import gc
    import warnings

    kernels.load()  # the generated file now exists, so the next load reads it back
    monkeypatch.setattr(kernels, "_module", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        kernels.load()
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


@pytest.mark.parametrize("rows", [5, 300])  # the serial kernels, then the parallel ones
def test_l2_adds_the_penalty_gradient_as_the_value_path_computes_it(rows):
    x = Value(0.0, label="x")
    w = [Value(0.5, label="w"), Value(-0.75, label="b")]
    tape = compile((w[0] * x + w[1]).tanh(), inputs=[x], params=w)
    X = np.linspace(-1.0, 1.0, rows).reshape(rows, 1)
    params = tape.param_values()
    for l2 in (0.25, 1e308):  # near the largest float, 2 * l2 * p overflows where l2 * p + l2 * p does not
        tape.forward(X)
        plain = tape.backward(reduction="sum")
        expected = plain + l2 * params
        expected += l2 * params  # backward() of l2 * (p * p): l2 * p once per operand, in that order
        assert tape.backward(reduction="sum", l2=l2).tobytes() == expected.tobytes()
        assert np.isfinite(expected).all()
    # Penalty grads reach a parameter the output does not depend on, as backward() of the penalty would.
    unused = Value(3.0, label="unused")
    tape = compile(w[0] * x, inputs=[x], params=[w[0], unused])
    tape.forward(X)
    assert tape.backward(l2=0.5)[1] == 0.5 * 3.0 + 0.5 * 3.0


def test_l2_must_be_a_real_number():
    x, w = Value(0.0), Value(1.0)
    tape = compile(w * x, inputs=[x], params=[w])
    tape.forward([[1.0]])
    with pytest.raises(TypeError, match=r"l2 must be a real number \(int or float\), got str"):
        tape.backward(l2="0.1")
    assert tape.backward(l2=1).tolist() == [1.0 + 1.0 + 1.0]  # an int is a real number: d(w*x)/dw + 2 * 1 * w
