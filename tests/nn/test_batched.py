"""backend="numba" trains exactly like backend="value", for every loss and optimizer in nn."""

import numpy as np
import pytest

import nn
from nn.optim import SGD, Adam


def train(backend, loss, labels, X, sizes, optimizer, l2, batch_size=None, output_activation="linear", steps=20):
    model = nn.MLP(2, sizes, activation="relu", output_activation=output_activation, seed=1)
    opt = optimizer(model.parameters())
    epochs = steps if batch_size is None else max(1, steps * batch_size // len(X))
    history = nn.fit(model, X, labels, loss=loss, optimizer=opt, epochs=epochs, batch_size=batch_size, l2=l2,
                     progress=False, backend=backend, seed=3)
    return model, history


OPTIMIZERS = {
    "sgd-momentum": lambda params: SGD(params, lr=0.05, momentum=0.9),
    "adam": lambda params: Adam(params, lr=0.01, weight_decay=1e-3),
}
# 61 samples, not 60: with balanced classes the hinge gradient of the output bias cancels
# to exactly 0 in exact arithmetic, and Adam (which divides by the gradient's size) would
# turn the two backends' different rounding residues (+-4e-14) into full steps of lr.
X_MOONS, Y_MOONS = nn.make_moons(61, seed=0)
X_BLOBS, Y_BLOBS = nn.make_blobs(61, centers=3, seed=0)
LOSSES = {
    "hinge": (2 * Y_MOONS - 1, [6, 1], "linear", X_MOONS),
    "mse": (Y_MOONS.astype(float), [6, 1], "linear", X_MOONS),
    "bce_with_logits": (Y_MOONS, [6, 1], "linear", X_MOONS),
    "binary_cross_entropy": (Y_MOONS, [6, 1], "sigmoid", X_MOONS),
    "cross_entropy": (Y_BLOBS, [6, 3], "linear", X_BLOBS / 5),
}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("loss", LOSSES)
def test_twenty_steps_give_the_same_parameters(loss, optimizer):
    labels, sizes, output_activation, X = LOSSES[loss]
    results = [train(backend, loss, labels, X, sizes, OPTIMIZERS[optimizer], l2=1e-3,
                     output_activation=output_activation) for backend in ("value", "numba")]
    (value_model, value_history), (numba_model, numba_history) = results
    a = np.array([p.data for p in value_model.parameters()])
    b = np.array([p.data for p in numba_model.parameters()])
    assert np.max(np.abs(a - b)) <= 1e-10 * np.max(np.abs(a))
    assert numba_history.loss == pytest.approx(value_history.loss, rel=1e-10)
    assert numba_history.accuracy == value_history.accuracy


def test_mini_batches_and_validation_match_too():
    labels, sizes, _, X = LOSSES["bce_with_logits"]
    runs = []
    for backend in ("value", "numba"):
        model = nn.MLP(2, sizes, activation="tanh", seed=4)
        history = nn.fit(model, X, labels, loss="bce_with_logits", optimizer="adam", lr=0.02, epochs=3,
                         batch_size=16, val=(X[:20], labels[:20]), progress=False, backend=backend, seed=5)
        runs.append((np.array([p.data for p in model.parameters()]), history))
    assert np.allclose(runs[0][0], runs[1][0], rtol=1e-10, atol=1e-12)
    assert runs[1][1].val_loss == pytest.approx(runs[0][1].val_loss, rel=1e-10)


def test_model_stays_one_object_and_predicts_after_numba_training():
    X, y = nn.make_moons(100, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    params_before = model.parameters()
    nn.fit(model, X, y, loss="bce_with_logits", optimizer="adam", lr=0.02, epochs=300, progress=False, backend="numba")
    assert all(a is b for a, b in zip(params_before, model.parameters()))
    assert nn.accuracy(model, X, y) >= 0.97


def test_custom_losses_are_refused_with_the_way_out():
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="backend='value'"):
        nn.fit(model, X_MOONS, Y_MOONS, loss=lambda p, t: nn.mse(p, t), epochs=1, progress=False, backend="numba")


def test_optimizer_over_reordered_parameters_is_refused():
    model = nn.MLP(2, [2, 1], seed=0)
    opt = SGD(list(reversed(model.parameters())), lr=0.1)
    with pytest.raises(ValueError, match="model.parameters"):
        nn.fit(model, X_MOONS, Y_MOONS, loss="mse", optimizer=opt, epochs=1, progress=False, backend="numba")


def test_batches_of_the_wrong_shape_or_type_are_refused_by_name():
    """The backend copies each batch into one reused buffer: a short or wide batch must not leave stale columns."""
    model = nn.MLP(2, [3, 3], seed=0)
    engine = nn.backends.get_backend("numba")(model, nn.mse)
    X, Y = np.ones((4, 2)), np.zeros((4, 3))
    engine.evaluate(X, Y)
    with pytest.raises(ValueError, match=r"^X must have shape \(4, 2\)"):
        engine.evaluate(X[:, :1], Y)
    with pytest.raises(ValueError, match=r"^y must have shape \(4, 3\)"):
        engine.evaluate(X, Y[:, 0])
    with pytest.raises(TypeError, match="^y must be an array of numbers"):
        engine.evaluate(X, [["a", "b", "c"]] * 4)
    assert engine.evaluate(X, Y).loss == nn.mse([model(list(row)) for row in X], Y).data


def test_callbacks_see_the_values_of_their_epoch_on_numba():
    """The numba backend trains on arrays; the model's Values are current whenever a callback looks."""
    seen = []
    model = nn.MLP(2, [4, 1], seed=0)
    start = [p.data for p in model.parameters()]
    nn.fit(model, X_MOONS, Y_MOONS, loss="bce_with_logits", lr=0.05, epochs=3, progress=False, backend="numba",
           callbacks=lambda epoch, history, model: seen.append([p.data for p in model.parameters()]))
    assert seen[0] != start and seen[1] != seen[0]
    assert seen[2] == [p.data for p in model.parameters()]
    reference = nn.MLP(2, [4, 1], seed=0)
    nn.fit(reference, X_MOONS, Y_MOONS, loss="bce_with_logits", lr=0.05, epochs=1, progress=False, backend="numba")
    assert seen[0] == [p.data for p in reference.parameters()]


def test_a_second_fit_of_the_same_model_reuses_its_tape_and_trains_as_the_value_path():
    runs = {}
    for backend in ("value", "numba"):
        model = nn.MLP(2, [4, 1], seed=0)
        for epochs in (3, 2):
            nn.fit(model, X_MOONS, Y_MOONS, loss="bce_with_logits", lr=0.05, epochs=epochs, progress=False,
                   backend=backend)
        runs[backend] = np.array([p.data for p in model.parameters()])
    assert np.allclose(runs["numba"], runs["value"], rtol=1e-10, atol=1e-13)
    model = nn.MLP(2, [4, 1], seed=0)
    first = nn.batched._planned_tape(model, nn.mse, model.parameters())
    assert nn.batched._planned_tape(model, nn.mse, model.parameters()) is first
    assert nn.batched._planned_tape(model, nn.hinge, model.parameters()) is not first


def test_a_model_whose_parts_changed_gets_a_new_tape():
    model = nn.MLP(2, [4, 1], seed=0)
    nn.fit(model, X_MOONS, Y_MOONS, loss="bce_with_logits", epochs=1, progress=False, backend="numba")
    model.layers[1] = nn.Layer(4, 1, activation="sigmoid", seed=5, name="L1")
    model.output_activation = "sigmoid"
    twin = nn.MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    for a, b in zip(twin.parameters(), model.parameters()):
        a.data = b.data
    for m, backend in ((model, "numba"), (twin, "value")):
        nn.fit(m, X_MOONS, Y_MOONS, loss="binary_cross_entropy", lr=0.05, epochs=2, progress=False, backend=backend)
    assert np.allclose([p.data for p in model.parameters()], [p.data for p in twin.parameters()], rtol=1e-10,
                       atol=1e-13)
