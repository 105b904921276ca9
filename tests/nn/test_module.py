"""Models: seeded weights, init schemes, forward pass against numpy, provenance scopes, errors."""

import re

import numpy as np
import pytest

from autograd import Value, gradcheck, name_scope, topological_order
from nn import MLP, Layer, Neuron, Perceptron, make_and, make_or, make_xor


def test_same_seed_same_weights_pinned_across_platforms():
    """Uniform PCG64 draws are integer arithmetic: these exact floats hold on every platform."""
    weights = [p.data for p in MLP(2, [4, 1], seed=0).parameters()][:4]
    assert weights == [0.2739233746429086, -0.4604265724722594, 0.0, 0.08724998293084574]
    assert [p.data for p in MLP(2, [4, 1], init="he", seed=42).parameters()][:2] == [0.9490115902794698,
                                                                                    -0.2117312955746551]


def test_seeds_reproduce_and_differ():
    def weights(seed):
        return [p.data for p in MLP(3, [5, 2], seed=seed).parameters()]

    assert weights(1) == weights(1)
    assert weights(1) != weights(2)
    assert weights(None) != weights(None)
    assert weights(np.random.default_rng(5)) == weights(5)


@pytest.mark.parametrize("init, bound", [("xavier", (6 / 200) ** 0.5), ("he", (6 / 100) ** 0.5), ("uniform", 1.0)])
def test_init_schemes_draw_uniformly_within_their_bound_with_zero_biases(init, bound):
    layer = Layer(100, 100, init=init, seed=0)
    w = np.array([[wi.data for wi in n.w] for n in layer.neurons])
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.mean()) < 0.02 * bound
    assert w.var() == pytest.approx(bound ** 2 / 3, rel=0.05)  # the variance of U(-a, a)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_parameter_count_and_names():
    model = MLP(2, [16, 16, 1])
    assert model.num_parameters() == 337 == len(model.parameters())
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b"]
    assert names[-1] == "L2.N0.b" and len(set(names)) == 337
    assert [name for name, _ in Neuron(2).named_parameters()] == ["w0", "w1", "b"]
    assert [name for name, _ in Layer(1, 2).named_parameters()] == ["N0.w0", "N0.b", "N1.w0", "N1.b"]


def numpy_forward(model, x):
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        z = W @ x + b
        x = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "linear": lambda v: v,
             "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[layer.activation](z)
    return x


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_forward_matches_numpy(activation):
    model = MLP(3, [5, 4, 2], activation=activation, seed=3)
    x = np.array([0.3, -1.2, 2.0])
    out = model(x.tolist())
    assert [v.data for v in out] == pytest.approx(numpy_forward(model, x).tolist(), rel=1e-13, abs=1e-15)


def test_calling_returns_a_value_for_one_output_and_a_list_for_several():
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    assert len(MLP(2, [3, 2])([1.0, 2.0])) == 2
    assert isinstance(Neuron(2)([1.0, 2.0]), Value)
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value) and len(Layer(2, 3)([1.0, 2.0])) == 3
    assert isinstance(MLP(2, [1, 1])([1.0, 2.0]), Value)  # a width-1 hidden layer feeds the next one


def test_input_gradients_pass_gradcheck():
    model = MLP(2, [4, 3, 1], activation="tanh", seed=0)
    gradcheck(lambda a, b: model([a, b]), [0.3, -0.7])


def test_every_node_names_the_layer_and_neuron_that_made_it():
    model = MLP(2, [3, 2], seed=0)
    outputs = model([0.5, -1.0])
    pattern = re.compile(r"^layer(\d)\.neuron(\d)$")
    for node in topological_order(outputs[0]) + topological_order(outputs[1]):
        if node.label.startswith("x"):
            assert node.scope == ""  # inputs belong to the caller
            continue
        match = pattern.match(node.scope)
        assert match, node
        if node.label:  # a parameter: its label says the same layer and neuron
            assert node.label.startswith(f"L{match[1]}.N{match[2]}.")
    assert outputs[1].scope == "layer1.neuron1"


def test_scopes_nest_under_an_outer_scope_and_standalone_parts():
    with name_scope("student"):
        out = MLP(2, [2, 1], seed=0)([1.0, 2.0])
    assert out.scope == "student.layer1.neuron0"
    assert Layer(2, 2)([1.0, 2.0])[1].scope == "neuron1"
    assert Neuron(2)([1.0, 2.0]).scope == ""


def test_train_and_eval_flags_reach_every_part():
    model = MLP(2, [3, 1])
    assert model.eval() is model and not model.training
    assert not any(layer.training or any(n.training for n in layer.neurons) for layer in model.layers)
    model.train()
    assert model.layers[1].neurons[0].training


def test_zero_grad():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_is_a_module_tree():
    assert repr(MLP(2, [16, 16, 1], activation="relu")) == (
        "MLP(nin=2, sizes=[16, 16, 1], init='xavier'): 337 parameters\n"
        "  (layer0): Layer(nin=2, nout=16, activation='relu')\n"
        "  (layer1): Layer(nin=16, nout=16, activation='relu')\n"
        "  (layer2): Layer(nin=16, nout=1, activation='linear')"
    )


@pytest.mark.parametrize("make, error, message", [
    (lambda: MLP(0, [1]), ValueError, "nin must be a positive integer"),
    (lambda: MLP(2, []), ValueError, "sizes must list at least one layer"),
    (lambda: MLP(2, 3), TypeError, "sizes must be a list of layer widths"),
    (lambda: MLP(2, [4, 0]), ValueError, "sizes entry must be a positive integer"),
    (lambda: MLP(2, [4, 1], activation="softmax"), ValueError, "activation must be one of 'tanh'"),
    (lambda: MLP(2, [4, 1], output_activation="step"), ValueError, "output_activation must be one of"),
    (lambda: MLP(2, [4, 1], init="normal"), ValueError, "init must be one of 'xavier', 'he', 'uniform'"),
    (lambda: MLP(2, [1])([1.0]), ValueError, "x must have 2 entries, one per input, got 1"),
    (lambda: MLP(2, [1])([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), ValueError, "nn.predict"),
    (lambda: MLP(2, [1])([1.0, "a"]), TypeError, r"x\[1\] must be a number or a Value"),
    (lambda: MLP(2, [1])(3.0), TypeError, "x must be a list of 2 numbers"),
])
def test_bad_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("make_data", [make_and, make_or])
def test_perceptron_learns_linearly_separable_truth_tables(make_data):
    X, y = make_data()
    perceptron = Perceptron(2)
    history = perceptron.fit(X, y, epochs=50)
    assert history.accuracy[-1] == 1.0 and history.loss[-1] == 0.0 and history.epochs < 50
    assert [perceptron.predict(x) for x in X.tolist()] == y.tolist()


def test_perceptron_rule_is_w_plus_lr_error_x():
    perceptron = Perceptron(2)
    perceptron.fit([[2.0, -1.0]], [1], epochs=1, lr=0.5)  # predicted 0, error +1
    assert [w.data for w in perceptron.w] == [1.0, -0.5] and perceptron.b.data == 0.5


def test_perceptron_rejects_signed_labels():
    with pytest.raises(ValueError, match=r"y\[0\] = -1.*perceptron uses labels 0 and 1"):
        Perceptron(2).fit(*make_xor(labels=(-1, 1)))


def per_neuron_draws(init, nin, nout, rng):
    """The weights as drawn neuron by neuron before Layer drew its matrix once: row 0 of a fresh (nout, nin) draw."""
    bound = {"xavier": (6 / (nin + nout)) ** 0.5, "he": (6 / nin) ** 0.5, "uniform": 1.0}[init]
    return [rng.uniform(-bound, bound, size=(nout, nin))[0].tolist() for _ in range(nout)]


@pytest.mark.parametrize("init", ["xavier", "he", "uniform"])
@pytest.mark.parametrize("nin, sizes", [(2, [4, 1]), (3, [7, 5, 2]), (1, [1]), (6, [1, 9])])
def test_seeds_keep_the_weights_of_per_neuron_draws(init, nin, sizes):
    """A Layer draws each weight once, yet a seed gives exactly the weights it gave neuron by neuron."""
    rng = np.random.default_rng(11)
    expected = [per_neuron_draws(init, a, b, rng) for a, b in zip([nin] + sizes, sizes)]
    model = MLP(nin, sizes, init=init, seed=11)
    assert [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers] == expected


def test_a_generator_is_left_where_per_neuron_draws_left_it():
    ours, theirs = np.random.default_rng(3), np.random.default_rng(3)
    Layer(4, 6, seed=ours)
    per_neuron_draws("xavier", 4, 6, theirs)
    assert ours.random() == theirs.random()
    neuron = Neuron(5, fan_out=3, seed=ours)
    assert [w.data for w in neuron.w] == theirs.uniform(-0.75 ** 0.5, 0.75 ** 0.5, size=(3, 5))[0].tolist()
    assert ours.random() == theirs.random()


def test_generators_that_cannot_skip_draw_rows_back_to_back():
    layer = Layer(3, 4, init="uniform", seed=np.random.Generator(np.random.MT19937(0)))
    expected = np.random.Generator(np.random.MT19937(0)).uniform(-1.0, 1.0, size=(4, 3))
    assert [[w.data for w in n.w] for n in layer.neurons] == expected.tolist()


def test_a_wide_layer_is_quick_to_draw():
    """Drawing is linear in the weights: 10**6 weights, where per-neuron draws would have drawn 10**9."""
    layer = Layer(1000, 1000, seed=0)
    assert layer.num_parameters() == 1001 * 1000


@pytest.mark.parametrize("make, error, message", [
    (lambda: MLP(2, [1], seed="abc"), TypeError, "seed must be None, a non-negative int or a numpy Generator"),
    (lambda: MLP(2, [1], seed=-1), ValueError, "seed must be a non-negative int"),
    (lambda: Layer(2, 2, seed=2.0), TypeError, "seed must be"),
    (lambda: Neuron(2, seed=True), TypeError, "seed must be"),
    (lambda: MLP(2, [1], activation=["tanh"]), TypeError, "activation must be one of 'tanh'.*got list"),
    (lambda: Layer(2, 2, init=None), TypeError, "init must be one of 'xavier'"),
    (lambda: MLP(10 ** 7, [1]), ValueError, "nin and sizes give 10,000,001 parameters, more than the cap"),
    (lambda: MLP(1, [1] * (10 ** 4 + 1)), ValueError, "sizes lists more than 10,000 entries"),
    (lambda: Layer(10, 10 ** 6), ValueError, "nin and nout give 11,000,000 parameters"),
    (lambda: Neuron(10 ** 7), ValueError, "nin must be at most 9,999,999"),
    (lambda: Perceptron(10 ** 7), ValueError, "nin must be at most 9,999,999"),
])
def test_bad_seeds_names_and_sizes_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_seed_may_be_a_seed_sequence_or_bit_generator():
    weights = [p.data for p in MLP(2, [3, 1], seed=np.random.SeedSequence(4)).parameters()]
    assert weights == [p.data for p in MLP(2, [3, 1], seed=np.random.PCG64(4)).parameters()]
    assert weights == [p.data for p in MLP(2, [3, 1], seed=4).parameters()]
