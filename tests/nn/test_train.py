"""fit and predict: XOR and moons learned, history, validation, Ctrl-C, callbacks, schedules, input errors."""

import os
import signal

import numpy as np
import pytest

import nn
from nn import MLP, SGD, Adam, CosineAnnealingLR, Perceptron, accuracy, fit, make_moons, make_xor, predict
from nn.backends import ValueBackend


def test_xor_perceptron_never_reaches_100_percent_but_an_mlp_does():
    X, y = make_xor()
    perceptron = Perceptron(2)
    history = perceptron.fit(X, y, epochs=200)
    assert history.epochs == 200 and max(history.accuracy) <= 0.75  # no line separates XOR
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce_with_logits", optimizer="adam", lr=0.1, epochs=50, progress=False)
    assert history.accuracy[-1] == 1.0 and accuracy(model, X, y) == 1.0
    assert predict(model, X).tolist() == [0, 1, 1, 0]


def test_moons_reach_97_percent_training_accuracy():
    X, y = make_moons(100, seed=0)
    model = MLP(2, [8, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss="bce_with_logits", optimizer="adam", lr=0.1, epochs=100, progress=False)
    assert accuracy(model, X, y) >= 0.97
    assert history.loss[-1] < history.loss[0] / 10


def test_full_batch_sgd_step_equals_a_hand_written_step():
    """One epoch of fit is: zero grads, loss + l2 * sum p^2, backward, p -= lr * grad."""
    X, y = make_moons(10, seed=1, labels=(-1, 1))
    model, twin = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)
    fit(model, X, y, loss="hinge", optimizer="sgd", lr=0.5, l2=1e-2, epochs=1, progress=False)
    scores = [twin(row) for row in X.tolist()]
    total = nn.hinge(scores, y) + 1e-2 * nn.l2_penalty(twin.parameters())
    total.backward()
    expected = [p.data - 0.5 * p.grad for p in twin.parameters()]
    assert [p.data for p in model.parameters()] == expected


def test_history_records_every_epoch_with_validation():
    X, y = make_moons(40, seed=0)
    X_train, X_val, y_train, y_val = nn.train_test_split(X, y, 0.25)
    history = fit(MLP(2, [4, 1], seed=0), X_train, y_train, loss="bce_with_logits", epochs=3, batch_size=8,
                  val=(X_val, y_val), progress=False)
    assert history.epochs == 3
    assert len(history.accuracy) == len(history.val_loss) == len(history.val_accuracy) == len(history.lr) == 3
    assert all(0 <= a <= 1 for a in history.accuracy + history.val_accuracy)
    assert history.lr == [0.01] * 3 and not history.interrupted
    assert "val_loss=" in repr(history)


def test_regression_history_has_no_accuracy():
    X = np.linspace(-1, 1, 8).reshape(-1, 1)
    history = fit(MLP(1, [4, 1], seed=0), X, X[:, 0] ** 2 + 0.3, loss="mse", epochs=2, progress=False)
    assert history.accuracy == [None, None]


def test_multiclass_with_cross_entropy():
    X, y = nn.make_blobs(30, centers=3, std=0.5, seed=0)
    model = MLP(2, [3], seed=0)
    history = fit(model, X / 10, y, loss="cross_entropy", lr=0.1, epochs=30, progress=False)
    assert history.accuracy[-1] > 0.9 and predict(model, X / 10).shape == (30,)
    proba = nn.predict_proba(model, X / 10)
    assert proba.shape == (30, 3) and np.allclose(proba.sum(axis=1), 1.0)


def test_keyboard_interrupt_from_a_callback_keeps_the_history():
    X, y = make_xor()
    model = MLP(2, [4, 1], seed=0)

    def interrupt(epoch, history, model):
        if epoch == 4:
            raise KeyboardInterrupt

    history = fit(model, X, y, loss="bce_with_logits", epochs=100, callbacks=[interrupt], progress=False)
    assert history.interrupted and history.epochs == 5
    assert model.training  # the model is left as it was


def test_ctrl_c_stops_between_steps():
    """SIGINT during training only asks to stop: the current step finishes, then fit returns."""
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    seen = []

    def press_ctrl_c(epoch, history, model):
        seen.append(epoch)
        if epoch == 1:
            os.kill(os.getpid(), signal.SIGINT)

    history = fit(model, X, y, loss="bce_with_logits", epochs=10, batch_size=5, callbacks=press_ctrl_c, progress=False)
    assert history.interrupted and history.epochs == 2 and seen == [0, 1]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_callback_returning_true_stops_training():
    X, y = make_xor()
    history = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce_with_logits", lr=0.1, epochs=100, progress=False,
                  callbacks=lambda epoch, history, model: history.accuracy[-1] == 1.0)
    assert history.accuracy[-1] == 1.0 and history.epochs < 100 and not history.interrupted


def test_scheduler_sets_the_learning_rate_per_epoch():
    X, y = make_xor()
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce_with_logits", optimizer="sgd", lr=0.1, epochs=5, progress=False,
                  scheduler=lambda opt: nn.StepLR(opt, step_size=2, gamma=0.5))
    assert history.lr == [0.1, 0.1, 0.05, 0.05, 0.025]
    optimizer = Adam(model.parameters(), lr=0.1)
    history = fit(model, X, y, loss="bce_with_logits", optimizer=optimizer, epochs=3, progress=False,
                  scheduler=CosineAnnealingLR(optimizer, T_max=2))
    assert history.lr == pytest.approx([0.1, 0.05, 0.0], abs=1e-17)


def test_progress_bar_is_quiet_when_not_a_terminal(capsys):
    X, y = make_xor()
    fit(MLP(2, [2, 1], seed=0), X, y, loss="bce_with_logits", epochs=2)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_history_plot_uses_viz():
    pytest.importorskip("viz.plots")
    pytest.importorskip("matplotlib")
    X, y = make_xor()
    history = fit(MLP(2, [2, 1], seed=0), X, y, loss="bce_with_logits", epochs=2, progress=False)
    figure = history.plot()
    assert figure is not None


def test_backends_share_one_interface():
    X, y = make_moons(6, seed=0)
    backend = ValueBackend(MLP(2, [3, 1], seed=0), nn.bce_with_logits, 0.0)
    step = backend.loss_and_grads(X, y)
    evaluation = backend.evaluate(X, y)
    assert step.loss == evaluation.loss and step.outputs.shape == evaluation.outputs.shape == (6, 1)


def test_predictions_read_the_output_activation():
    X, y = make_xor(labels=(-1, 1))
    model = MLP(2, [4, 1], output_activation="tanh", seed=0)
    fit(model, X, y, loss="mse", lr=0.1, epochs=60, progress=False)
    assert predict(model, X, labels=(-1, 1)).tolist() == y.tolist() and accuracy(model, X, y) == 1.0
    proba = nn.predict_proba(model, X)
    assert ((proba > 0.5) == (y == 1)).all()


XOR_X, XOR_Y = make_xor()
ERRORS = [
    (dict(loss="hinge"), ValueError, r"y does not suit loss hinge.*convert 0/1 labels with 2 \* y - 1"),
    (dict(loss="cross_entropy"), ValueError, "y does not suit loss cross_entropy"),
    (dict(loss="l1"), ValueError, "loss must be one of"),
    (dict(epochs=0), ValueError, "epochs must be a positive integer"),
    (dict(lr=0.0), ValueError, "lr must be a positive"),
    (dict(lr=-0.1, optimizer="sgd"), ValueError, "lr must be a positive"),
    (dict(optimizer="rmsprop"), ValueError, "optimizer must be one of 'sgd', 'adam'"),
    (dict(batch_size=0), ValueError, "batch_size must be a positive integer"),
    (dict(l2=-1.0), ValueError, "l2 must be in"),
    (dict(backend="cuda"), ValueError, "backend must be one of 'value'.*got 'cuda'"),
    (dict(X=XOR_X[:, :1]), ValueError, "X has 1 columns but the model takes 2 inputs"),
    (dict(y=XOR_Y[:3]), ValueError, "y has 3 labels but X has 4 samples"),
    (dict(X=[[0.0, float("nan")]] * 4), ValueError, "X contains NaN"),
    (dict(val=(XOR_X, XOR_Y[:2])), ValueError, r"val\[1\] has 2 labels but val\[0\] has 4 samples"),
    (dict(val=XOR_X), TypeError, r"val must be a pair"),
    (dict(callbacks=[1]), TypeError, r"callbacks\[0\] must be a function"),
    (dict(progress="yes"), TypeError, "progress must be True or False"),
    (dict(scheduler=3), TypeError, "scheduler must be an LRScheduler"),
]


@pytest.mark.parametrize("changes, error, message", ERRORS, ids=[m for _, _, m in ERRORS])
def test_bad_arguments_fail_before_training(changes, error, message):
    model = MLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    arguments = dict(X=XOR_X, y=XOR_Y, loss="bce_with_logits", epochs=3, progress=False)
    arguments.update(changes)
    with pytest.raises(error, match=message):
        fit(model, **arguments)
    assert [p.data for p in model.parameters()] == before


def test_optimizer_instance_rules():
    model, other = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=1)
    with pytest.raises(ValueError, match="optimizer was built over other parameters"):
        fit(model, XOR_X, XOR_Y, loss="bce_with_logits", optimizer=SGD(other.parameters(), lr=0.1), progress=False)
    with pytest.raises(ValueError, match="set it on the optimizer you built"):
        fit(model, XOR_X, XOR_Y, loss="bce_with_logits", optimizer=SGD(model.parameters(), lr=0.1), lr=0.5)
    with pytest.raises(TypeError, match="perceptron.fit"):
        fit(Perceptron(2), XOR_X, XOR_Y, loss="mse")


def test_predict_errors():
    with pytest.raises(TypeError, match="no probabilities"):
        nn.predict_proba(Perceptron(2), XOR_X)
    with pytest.raises(ValueError, match="y must hold class labels"):
        accuracy(MLP(2, [1]), XOR_X, [0.5, 1.5, 2.0, 3.0])
    with pytest.raises(ValueError, match="X has 3 columns"):
        predict(MLP(2, [1]), np.zeros((2, 3)))


def test_predict_checks_labels_and_accepts_any_two():
    model = MLP(2, [1], seed=0)
    assert set(predict(model, XOR_X, labels=("no", "yes")).tolist()) <= {"no", "yes"}
    assert (predict(model, XOR_X, labels=(-1, 1)) == 2 * predict(model, XOR_X) - 1).all()
    with pytest.raises(TypeError, match=r"labels must be a pair \(negative, positive\)"):
        predict(model, XOR_X, labels=5)
    with pytest.raises(ValueError, match="labels must be two different labels"):
        predict(model, XOR_X, labels=(1, 1))


def test_a_custom_loss_gets_numeric_targets_checked_but_unconverted():
    seen = []

    def loss(predictions, targets):
        seen.append(targets.dtype)
        return nn.mse(predictions, targets.astype(float))

    fit(MLP(2, [1], seed=0), XOR_X, XOR_Y, loss=loss, epochs=1, progress=False)
    assert seen == [XOR_Y.dtype]
    with pytest.raises(TypeError, match="y must be an array of numbers"):
        fit(MLP(2, [1]), XOR_X, ["a", "b", "c", "d"], loss=loss, progress=False)
    with pytest.raises(ValueError, match="y must hold one label per sample"):
        fit(MLP(2, [1]), XOR_X, 1.0, loss=loss, progress=False)
