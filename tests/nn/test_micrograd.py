"""nn.micrograd gives micrograd's models, and nn.manual_seed makes unseeded models reproducible."""

import random

import numpy as np
import pytest

import nn
from autograd import Value
from nn.micrograd import MLP, Layer, Module, Neuron


@pytest.fixture(autouse=True)
def fresh_seeds():
    """Every test starts and ends with Python's random reseeded and nn back to fresh entropy."""
    state = random.getstate()
    nn.manual_seed(None)
    yield
    random.setstate(state)
    nn.manual_seed(None)


def weights_and_biases(model):
    """(weights, biases) of a micrograd-style model, each in parameters() order."""
    weights, biases = [], []
    for neuron in (n for layer in model.layers for n in layer.neurons):
        weights.extend(w.data for w in neuron.w)
        biases.append(neuron.b.data)
    return weights, biases


def test_weights_are_pythons_random_draws_in_micrograds_order():
    """micrograd draws random.uniform(-1, 1) per weight, neuron by neuron, layer by layer; biases are 0."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    random.seed(1337)
    expected = [random.uniform(-1, 1) for _ in range(16 * 2 + 16 * 16 + 1 * 16)]
    weights, biases = weights_and_biases(model)
    assert weights == expected
    assert biases == [0.0] * 33
    assert len(model.parameters()) == 337
    assert [p.data for p in model.parameters()][:3] == [expected[0], expected[1], 0.0]  # w0, w1, b


def test_random_seed_reproduces_and_nn_manual_seed_does_not_reach_it():
    random.seed(5)
    first = [p.data for p in MLP(3, [4, 2]).parameters()]
    nn.manual_seed(0)  # seeds nn's own models; micrograd's draw from Python's random, as micrograd's do
    random.seed(5)
    assert [p.data for p in MLP(3, [4, 2]).parameters()] == first
    random.seed(6)
    assert [p.data for p in MLP(3, [4, 2]).parameters()] != first


def test_reprs_are_micrograds():
    random.seed(0)
    model = MLP(2, [3, 1])
    assert repr(model) == ("MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], "
                           "Layer of [LinearNeuron(3)]]")
    assert repr(Neuron(4)) == "ReLUNeuron(4)" and str(Neuron(4, nonlin=False)) == "LinearNeuron(4)"
    assert repr(Layer(2, 2, nonlin=False)) == "Layer of [LinearNeuron(2), LinearNeuron(2)]"


def test_relu_hidden_linear_output_against_numpy():
    """Hidden layers are relu(W x + b), the last is W x + b, whatever the sign of the sums."""
    random.seed(8)
    model = MLP(3, [5, 4, 2])
    for layer in model.layers:  # nonzero biases, so a dropped bias would show
        for neuron in layer.neurons:
            neuron.b.data = random.uniform(-1, 1)
    x = np.array([0.5, -1.5, 2.0])
    h = x
    for i, layer in enumerate(model.layers):
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        h = W @ h + b
        if i < len(model.layers) - 1:
            h = np.maximum(h, 0.0)
    out = model(x.tolist())
    assert [o.data for o in out] == pytest.approx(h.tolist(), rel=1e-12, abs=1e-12)
    assert min(h) < 0 < max(h)  # the linear output really went negative


def test_calls_take_numbers_or_values_and_return_as_micrograds_do():
    random.seed(1)
    neuron, layer, model = Neuron(2), Layer(2, 3), MLP(2, [4, 1])
    for x in ([1.0, -2.0], [Value(1.0), Value(-2.0)], np.array([1.0, -2.0])):
        assert isinstance(neuron(x), Value) and isinstance(model(x), Value)
        assert isinstance(layer(x), list) and len(layer(x)) == 3
    assert model([1.0, -2.0]).data == model([Value(1.0), Value(-2.0)]).data
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)  # a layer of one neuron gives that Value, not a list


def test_zero_grad_and_parameters_after_backward():
    random.seed(2)
    model = MLP(2, [4, 1])
    out = model([0.7, 0.3]) * 3.0
    out.backward()
    grads = [p.grad for p in model.parameters()]
    assert any(g != 0.0 for g in grads)
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert isinstance(model, Module) and isinstance(model, nn.MLP)


def test_a_user_module_in_micrograds_style():
    """Subclassing Module with parameters() and __call__, as micrograd users do, gets zero_grad for free."""
    class Affine(Module):
        def __init__(self):
            self.a, self.b = Value(2.0), Value(-1.0)

        def __call__(self, x):
            return self.a * x + self.b

        def parameters(self):
            return [self.a, self.b]

    model = Affine()
    model(3.0).backward()
    assert (model.a.grad, model.b.grad) == (3.0, 1.0)
    model.zero_grad()
    assert (model.a.grad, model.b.grad) == (0.0, 0.0)


@pytest.mark.parametrize("make, error, words", [
    (lambda: Neuron(0), ValueError, "nin must be a positive integer"),
    (lambda: Neuron(2, nonlin="yes"), TypeError, "nonlin must be True (ReLU) or False"),
    (lambda: Layer(2, 3, nonlin=None), TypeError, "nonlin must be True"),
    (lambda: Layer(2, 0), ValueError, "nout must be a positive integer"),
    (lambda: Layer(2, 3, activation="tanh"), TypeError, "activation"),
    (lambda: MLP(2, 16), TypeError, "nouts must be a list of layer widths"),
    (lambda: MLP(2, []), ValueError, "nouts must list at least one layer"),
    (lambda: MLP(2, [16, -1]), ValueError, "nouts entry must be a positive integer"),
    (lambda: MLP(2, [10 ** 4] * 3), ValueError, "nin and nouts give"),
])
def test_bad_arguments_are_named(make, error, words):
    with pytest.raises(error, match=None) as raised:
        make()
    assert words in str(raised.value)


def test_wrong_sample_length_is_explained():
    random.seed(0)
    with pytest.raises(ValueError, match="x must have 2 entries"):
        MLP(2, [3, 1])([1.0, 2.0, 3.0])


def demo_loop(X, y, steps=100):
    """micrograd's demo.ipynb training loop, written with its idioms: hinge loss, L2, decaying SGD."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    history = []
    for k in range(steps):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, sum(accuracy) / len(accuracy)))
    return model, history


def test_micrograds_training_loop_reaches_100_percent_the_same_every_run():
    X, y = nn.make_moons(100, noise=0.1, seed=0)
    y = y * 2 - 1  # numpy ints in {-1, 1}, as the demo makes them
    model, history = demo_loop(X, y)
    assert history[-1][1] == 1.0
    scores = [model(list(map(Value, xrow))).data for xrow in X]
    assert all((yi > 0) == (s > 0) for yi, s in zip(y, scores))
    assert history[-1][0] < 0.5 * history[0][0]
    _, again = demo_loop(X, y, steps=5)
    assert again == history[:5]  # same weights, same data: the very same numbers


def test_micrograd_models_train_with_nn_fit_and_the_numba_path():
    """They are nn's classes: nn.fit takes them, and both backends give the same parameters."""
    X, y = nn.make_moons(40, noise=0.1, seed=1)
    finals = []
    for backend in ("value", "numba"):
        random.seed(4)
        model = MLP(2, [8, 1])
        nn.fit(model, X, y, loss="bce_with_logits", optimizer="sgd", lr=0.1, epochs=3, backend=backend,
               progress=False)
        finals.append([p.data for p in model.parameters()])
    assert finals[0] == pytest.approx(finals[1], rel=1e-10, abs=1e-12)


def test_saving_names_the_class_and_the_one_call_twin_saves_the_same_weights(tmp_path):
    random.seed(9)
    model = MLP(2, [4, 1])
    with pytest.raises(TypeError, match=r"can only save nn's own .* got nn\.micrograd\.MLP"):
        nn.save(model, tmp_path / "m.json")
    twin = nn.MLP(2, [4, 1], activation="relu", init="uniform", seed=0)
    for mine, theirs in zip(twin.parameters(), model.parameters()):
        mine.data = theirs.data
    nn.save(twin, tmp_path / "twin.json")
    loaded = nn.load(tmp_path / "twin.json")
    assert loaded([0.3, -0.8]).data == model([0.3, -0.8]).data


def test_gradwalks_one_call_for_micrograds_model():
    """nn.MLP(nin, nouts, activation="relu", init="uniform") is micrograd's architecture and weight law."""
    ours = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=3)
    random.seed(0)
    assert ours.config() == MLP(2, [16, 16, 1]).config()
    assert [layer.activation for layer in ours.layers] == ["relu", "relu", "linear"]
    weights = [w.data for layer in ours.layers for n in layer.neurons for w in n.w]
    assert all(-1.0 <= w < 1.0 for w in weights) and max(weights) > 0.9 and min(weights) < -0.9
    assert all(n.b.data == 0.0 for layer in ours.layers for n in layer.neurons)


def test_manual_seed_makes_unseeded_models_data_and_shuffles_reproducible():
    def session():
        model = nn.MLP(2, [4, 1])
        second = nn.Neuron(3)
        X, y = nn.make_moons(30, noise=0.2)
        nn.fit(model, X, y, loss="bce_with_logits", lr=0.1, epochs=2, batch_size=8, progress=False)
        return [p.data for p in model.parameters()], [w.data for w in second.w], X.tolist()

    nn.manual_seed(11)
    first = session()
    nn.manual_seed(11)
    assert session() == first
    nn.manual_seed(12)
    assert session()[1] != first[1]
    nn.manual_seed(11)
    a, b = nn.MLP(2, [4, 1]), nn.MLP(2, [4, 1])  # one stream: the second model follows the first
    assert [p.data for p in a.parameters()] != [p.data for p in b.parameters()]


def test_the_first_model_after_manual_seed_k_is_the_model_of_seed_k():
    nn.manual_seed(4)
    unseeded = [p.data for p in nn.MLP(2, [5, 3, 1]).parameters()]
    assert unseeded == [p.data for p in nn.MLP(2, [5, 3, 1], seed=4).parameters()]


def test_manual_seed_none_goes_back_to_fresh_entropy_and_explicit_seeds_win():
    nn.manual_seed(1)
    seeded = [p.data for p in nn.MLP(2, [3, 1], seed=5).parameters()]
    nn.manual_seed(None)
    assert [p.data for p in nn.MLP(2, [3, 1], seed=5).parameters()] == seeded
    assert [p.data for p in nn.MLP(2, [3, 1]).parameters()] != [p.data for p in nn.MLP(2, [3, 1]).parameters()]


@pytest.mark.parametrize("seed, error, words", [
    (-1, ValueError, "seed must be a non-negative int"),
    (1.5, TypeError, "seed must be a non-negative int (or None"),
    (True, TypeError, "seed must be a non-negative int (or None"),
    ("7", TypeError, "got str '7'"),
])
def test_manual_seed_rejects_bad_seeds(seed, error, words):
    with pytest.raises(error) as raised:
        nn.manual_seed(seed)
    assert words in str(raised.value)


def test_model_matches_torch_float64():
    """Output and every parameter's grad of a micrograd-style MLP equal PyTorch float64's."""
    torch = pytest.importorskip("torch")
    random.seed(8)
    model = MLP(3, [6, 5, 1])
    x = [0.3, -1.2, 2.5]
    out = model(x)
    (out * out).backward()

    h = torch.tensor(x, dtype=torch.float64)
    leaves = []
    for i, layer in enumerate(model.layers):
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        leaves.append((W, b))
        h = W @ h + b
        if i < len(model.layers) - 1:
            h = torch.relu(h)
    (h[0] * h[0]).backward()
    assert out.data == pytest.approx(h[0].item(), rel=1e-12)
    for layer, (W, b) in zip(model.layers, leaves):
        for j, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(W.grad[j].tolist(), rel=1e-12, abs=1e-15)
            assert neuron.b.grad == pytest.approx(b.grad[j].item(), rel=1e-12, abs=1e-15)
