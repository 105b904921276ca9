"""Training's silent failures: fit must train, honour, refuse or agree as each case states, on both backends.

Each case names the expected behaviour. Before these were pinned, fit inside
no_grad() trained nothing, the numba backend ignored gradient hooks, clamped
probabilities outside [0, 1] where the Value path refused them, overflowed its
L2 gradient at l2 = 1e308, and several bad arguments failed late without naming
themselves.
"""

import numpy as np
import pytest

import nn
from autograd import no_grad
from nn.losses import Loss
from tests.reliability.helpers import refuses

BACKENDS = ("value", "numba")
X_MOONS, Y_MOONS = nn.make_moons(40, seed=0)


def weights(model) -> np.ndarray:
    return np.array([p.data for p in model.parameters()])


def train(backend, epochs=5, **kwargs):
    model = nn.MLP(2, [4, 1], seed=0)
    arguments = dict(loss="bce_with_logits", optimizer="adam", lr=0.05, epochs=epochs, progress=False,
                     backend=backend)
    arguments.update(kwargs)
    history = nn.fit(model, X_MOONS, Y_MOONS, **arguments)
    return model, history


@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_inside_no_grad_trains_exactly_as_outside(backend):
    """Expected: fit records its own graphs inside no_grad() (as torch.enable_grad), so it trains the same."""
    outside, outside_history = train(backend)
    with no_grad():
        inside, inside_history = train(backend)
    assert inside_history.loss[-1] < inside_history.loss[0]
    assert inside_history.loss == outside_history.loss
    assert np.array_equal(weights(inside), weights(outside))


def test_no_grad_is_back_in_force_after_fit():
    """Expected: fit restores the caller's mode, so the block still records nothing after it."""
    from autograd import Value

    with no_grad():
        train("value", epochs=1)
        product = Value(2.0) * Value(3.0)
    assert product.parents == ()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_hook_returning_zero_freezes_its_weight_on_both_backends(backend):
    """Expected: gradient hooks on parameters run on the numba backend too; zeroing one freezes that weight."""
    model = nn.MLP(2, [4, 1], seed=0)
    frozen = model.parameters()[0]
    start = frozen.data
    seen = []
    handle = frozen.register_hook(lambda grad: seen.append(grad) or 0.0)
    try:
        nn.fit(model, X_MOONS, Y_MOONS, loss="bce_with_logits", lr=0.05, epochs=4, progress=False, backend=backend)
    finally:
        handle.remove()
    assert frozen.data == start
    assert len(seen) == 4 and any(g != 0.0 for g in seen)  # the hook saw the real gradient every step
    assert model.parameters()[1].data != nn.MLP(2, [4, 1], seed=0).parameters()[1].data


def test_hooked_training_agrees_between_backends():
    """Expected: a hook that rescales a gradient gives the same parameters on both backends (to rounding)."""
    results = []
    for backend in BACKENDS:
        model = nn.MLP(2, [4, 1], seed=0)
        handle = model.parameters()[2].register_hook(lambda grad: 3.0 * grad)
        try:
            nn.fit(model, X_MOONS, Y_MOONS, loss="bce_with_logits", lr=0.05, epochs=4, progress=False,
                   backend=backend)
        finally:
            handle.remove()
        results.append(weights(model))
    assert np.allclose(results[0], results[1], rtol=1e-10, atol=1e-13)


def test_a_hook_returning_a_non_number_on_numba_is_refused_naming_the_parameter():
    """Expected: TypeError naming the hooked parameter's label, before any update."""
    model = nn.MLP(2, [4, 1], seed=0)
    handle = model.parameters()[1].register_hook(lambda grad: "zero")
    try:
        refuses(lambda: nn.fit(model, X_MOONS, Y_MOONS, loss="mse", epochs=1, progress=False, backend="numba"),
                TypeError, "L0.N0.w1")
    finally:
        handle.remove()


def test_probabilities_outside_0_1_are_refused_alike_on_both_backends():
    """Expected: binary_cross_entropy on a linear output above 1 raises the same ValueError on both backends."""
    messages = []
    for backend in BACKENDS:
        model = nn.MLP(2, [1], seed=0)
        model.parameters()[2].data = 5.0  # the bias: outputs near 5, not probabilities
        before = weights(model)
        error = refuses(lambda: nn.fit(model, X_MOONS, Y_MOONS, loss="binary_cross_entropy", epochs=1,
                                       progress=False, backend=backend), ValueError, "not in [0, 1]")
        messages.append(str(error))
        assert np.array_equal(weights(model), before)  # refused before any update
    assert messages[0] == messages[1]
    assert "bce_with_logits" in messages[0]


def test_numba_fit_vets_labels_on_arrays_without_building_the_loss_on_values(monkeypatch):
    """Expected: a numba fit never runs the loss on Values (it once did, one Value per sample, to vet the labels)."""
    def no_values(self, predictions, targets):
        raise AssertionError("the loss was built on Values during a numba fit")

    monkeypatch.setattr(Loss, "__call__", no_values)
    model, history = train("numba", epochs=2, val=(X_MOONS[:10], Y_MOONS[:10]))
    assert history.epochs == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_labels_that_do_not_suit_the_loss_are_still_refused_up_front(backend):
    """Expected: 0/1 labels for hinge are refused before training, on arrays, with the way to convert them."""
    refuses(lambda: train(backend, loss="hinge"), ValueError, "2 * y - 1")
    refuses(lambda: train(backend, loss="cross_entropy"), ValueError, "cross_entropy")


@pytest.mark.parametrize("backend", BACKENDS)
def test_l2_near_the_largest_float_trains_alike_on_both_backends(backend):
    """Expected: l2 = 1e308 gives finite gradients l2 * p + l2 * p on both backends (not (2 * l2) * p = inf)."""
    model, history = train(backend, epochs=2, l2=1e308)
    reference, reference_history = train("value", epochs=2, l2=1e308)
    assert np.isfinite(weights(model)).all()
    assert np.allclose(weights(model), weights(reference), rtol=1e-10, atol=1e-13)
    assert history.loss == pytest.approx(reference_history.loss, rel=1e-12)


def fit_with(**kwargs):
    model = nn.MLP(2, [2, 1], seed=0)
    arguments = dict(loss="bce_with_logits", epochs=2, progress=False)
    arguments.update(kwargs)
    return lambda: nn.fit(model, X_MOONS, Y_MOONS, **arguments)


UP_FRONT = [
    ("callbacks=None: TypeError naming callbacks", fit_with(callbacks=None), TypeError, "callbacks"),
    ("callbacks='stop': TypeError naming callbacks", fit_with(callbacks="stop"), TypeError, "callbacks"),
    ("a scheduler factory returning a number: TypeError naming scheduler",
     fit_with(scheduler=lambda optimizer: 0.1), TypeError, "scheduler"),
    ("a scheduler factory returning None: TypeError naming scheduler",
     fit_with(scheduler=lambda optimizer: None), TypeError, "scheduler"),
    ("shuffle='yes': TypeError naming shuffle", fit_with(shuffle="yes", batch_size=8), TypeError, "shuffle"),
    ("make_moons(labels=(2**70, 0)): ValueError naming labels",
     lambda: nn.make_moons(10, labels=(2 ** 70, 0)), ValueError, "labels"),
    ("make_xor(labels=(0, -2**63 - 1)): ValueError naming labels",
     lambda: nn.make_xor(labels=(0, -2 ** 63 - 1)), ValueError, "labels"),
    ("train_test_split(X, 5): ValueError naming y", lambda: nn.train_test_split(X_MOONS, 5), ValueError, "y"),
    ("batches(X, 5): ValueError naming y", lambda: list(nn.batches(X_MOONS, 5)), ValueError, "y"),
]


@pytest.mark.parametrize("call, error, word", [c[1:] for c in UP_FRONT], ids=[c[0] for c in UP_FRONT])
def test_bad_arguments_are_refused_up_front_by_name(call, error, word):
    """Expected: the error named in the case's id, raised by gradwalk before any training."""
    refuses(call, error, word)


def test_a_callback_returning_an_array_is_refused_naming_it():
    """Expected: TypeError naming callbacks[1] after the first epoch, not numpy's 'truth value is ambiguous'."""
    calls = []
    stop_never = lambda epoch, history, model: calls.append(epoch)  # noqa: E731
    returns_array = lambda epoch, history, model: np.array([False, True])  # noqa: E731
    refuses(fit_with(callbacks=[stop_never, returns_array]), TypeError, "callbacks[1]")
    assert calls == [0]


def test_callbacks_returning_numpy_booleans_still_stop_training():
    """Expected: np.True_ from a callback stops training as True does."""
    history = fit_with(callbacks=lambda epoch, history, model: np.bool_(epoch == 0), epochs=5)()
    assert history.epochs == 1
