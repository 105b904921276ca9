"""A new loss, optimizer or activation, defined in one place, trains on both backends (docs/extending.md)."""

import math

import numpy as np
import pytest

import nn
from autograd import Value
from nn.activations import ACTIVATIONS, Activation
from nn.losses import Loss
from nn.validate import check_labels
from nn.optim import OPTIMIZERS, Optimizer

X, Y = nn.make_moons(30, seed=2)


def fit_both(model_factory, y=Y, **kwargs):
    """(parameters, history) after the same fit on the value and the numba backend."""
    runs = []
    for backend in ("value", "numba"):
        model = model_factory()
        history = nn.fit(model, X, y, progress=False, backend=backend, **kwargs)
        runs.append((np.array([p.data for p in model.parameters()]), history))
    return runs


# -- a loss -------------------------------------------------------------------------------------------
def _pseudo_huber(outputs, targets):
    """sqrt(1 + (p - t)^2) - 1: quadratic near 0, linear far away, smooth and branch-free."""
    return ((outputs[0] - targets[0]) ** 2 + 1.0).sqrt() - 1.0


PSEUDO_HUBER = Loss("pseudo_huber", _pseudo_huber, lambda y, n, nout, argument: check_labels(y, n, None, argument))


def test_a_new_loss_matches_its_closed_form_with_its_gradient():
    predictions, targets = [0.5, -2.0, 3.0], [1.0, 0.0, 3.0]
    values = [Value(p) for p in predictions]
    out = PSEUDO_HUBER(values, targets)
    out.backward()
    gaps = np.subtract(predictions, targets)
    assert out.data == pytest.approx(np.mean(np.sqrt(1 + gaps ** 2) - 1), rel=1e-15)
    assert [v.grad for v in values] == pytest.approx(gaps / np.sqrt(1 + gaps ** 2) / 3, rel=1e-15)


def test_a_new_loss_trains_alike_on_both_backends():
    (a, value_history), (b, numba_history) = fit_both(lambda: nn.MLP(2, [5, 1], seed=0), loss=PSEUDO_HUBER,
                                                      y=Y.astype(float), lr=0.05, epochs=15)
    assert np.allclose(a, b, rtol=1e-10, atol=1e-13)
    assert numba_history.loss == pytest.approx(value_history.loss, rel=1e-10)
    assert value_history.loss[-1] < value_history.loss[0]


def test_a_plain_loss_function_is_refused_by_name_on_numba():
    def pseudo_huber(predictions, targets):
        return PSEUDO_HUBER(predictions, targets)

    with pytest.raises(ValueError, match="'pseudo_huber' is a plain function.*Loss"):
        nn.fit(nn.MLP(2, [2, 1], seed=0), X, Y, loss=pseudo_huber, epochs=1, progress=False, backend="numba")
    history = nn.fit(nn.MLP(2, [2, 1], seed=0), X, Y, loss=pseudo_huber, epochs=1, progress=False)
    assert history.epochs == 1


# -- an optimizer -------------------------------------------------------------------------------------
@pytest.fixture
def sign_sgd():
    """An optimizer registered by name for one test: p -= lr * sign(grad)."""
    class SignSGD(Optimizer, name="sign_sgd"):
        default_lr = 0.25

        def update(self, values, grads):
            self.steps += 1
            return values - self.lr * np.sign(grads)

    yield SignSGD
    del OPTIMIZERS["sign_sgd"]


def test_a_new_optimizer_is_found_by_name_with_its_default_lr(sign_sgd):
    model = nn.MLP(2, [3, 1], seed=0)
    start = np.array([p.data for p in model.parameters()])
    nn.fit(model, X, Y, loss="mse", optimizer="sign_sgd", epochs=1, progress=False)
    moved = np.array([p.data for p in model.parameters()]) - start
    assert set(np.abs(moved).round(15)) <= {0.25, 0.0} and 0.25 in np.abs(moved).round(15)


def test_a_new_optimizer_trains_alike_on_both_backends(sign_sgd):
    (a, _), (b, _) = fit_both(lambda: nn.MLP(2, [3, 1], seed=0), loss="bce_with_logits", optimizer="sign_sgd",
                              epochs=6)
    assert np.array_equal(a, b)


def test_a_named_optimizer_without_a_default_lr_is_refused_at_its_definition():
    with pytest.raises(TypeError, match="default_lr"):
        class NoDefault(Optimizer, name="no_default"):
            def update(self, values, grads):
                return values
    assert "no_default" not in OPTIMIZERS


# -- an activation ------------------------------------------------------------------------------------
@pytest.fixture
def sine(monkeypatch):
    """A row for sin added to the activation table for one test."""
    monkeypatch.setitem(ACTIVATIONS, "sine", Activation("sine", "sin", None))


def test_a_new_activation_builds_layers_from_its_op(sine):
    neuron = nn.Neuron(2, activation="sine", seed=0)
    w0, w1 = (w.data for w in neuron.w)
    out = neuron([0.3, -1.2])
    assert out.op_info.name == "sin"
    assert out.data == math.sin(w0 * 0.3 + w1 * -1.2)


def test_a_new_activation_trains_alike_on_both_backends(sine):
    (a, _), (b, _) = fit_both(lambda: nn.MLP(2, [4, 1], activation="sine", seed=0), loss="bce_with_logits",
                              lr=0.05, epochs=10)
    assert np.allclose(a, b, rtol=1e-10, atol=1e-13)


def test_a_new_activation_without_a_torch_module_is_refused_by_to_torch_by_name(sine):
    pytest.importorskip("torch")  # to_torch asks for PyTorch before it looks at the activations
    with pytest.raises(ValueError, match="'sine' has no torch module"):
        nn.to_torch(nn.MLP(2, [3, 1], activation="sine", seed=0))


def test_the_output_activation_decides_classes_and_probabilities(monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, "shifted", Activation("shifted", "tanh", "Tanh", threshold=0.25,
                                                           probabilities=lambda t: np.clip(t, 0, 1)))
    model = nn.MLP(2, [1], output_activation="shifted", seed=0)
    points = np.array([[0.0, 0.0], [3.0, 1.0], [-3.0, -1.0]])
    outputs = nn.model_outputs(model, points)[:, 0]
    assert nn.predict(model, points).tolist() == (outputs > 0.25).astype(int).tolist()
    assert nn.predict_proba(model, points).tolist() == np.clip(outputs, 0, 1).tolist()


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_reads_one_output_consistently(name):
    """Positive class exactly when P(positive) > 0.5, on both sides of the threshold."""
    activation = ACTIVATIONS[name]
    outputs = activation.threshold + np.array([-0.5, -1e-3, 1e-3, 0.5])
    positive = outputs > activation.threshold
    assert ((activation.probabilities(outputs) > 0.5) == positive).all()


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_converts_to_torch(name):
    torch = pytest.importorskip("torch")
    model = nn.MLP(3, [4, 2], activation=name, output_activation=name, seed=0)
    points = np.random.default_rng(0).normal(size=(5, 3))
    theirs = nn.to_torch(model)(torch.tensor(points, dtype=torch.float64)).detach().numpy()
    assert np.allclose(nn.model_outputs(model, points), theirs, rtol=1e-13, atol=1e-15)
