"""viz plots: loss curves, activations against finite differences, decision boundaries through any model."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import nn
import viz
from autograd import OPS
from viz.boundary import model_outputs
from viz.plots import activation_curve

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
UNARY = sorted(name for name, op in OPS.items() if op.arity == 1)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def assert_png(path):
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    width, height = Image.open(path).size
    assert 300 < width < 4000 and 200 < height < 3000


# -- loss curves --------------------------------------------------------------------
def test_a_list_of_losses_is_one_curve(tmp_path):
    figure = viz.plot_loss([3.0, 2.0, 1.5, 1.2], tmp_path / "loss.png")
    (line,) = figure.axes[0].get_lines()
    assert list(line.get_ydata()) == [3.0, 2.0, 1.5, 1.2] and list(line.get_xdata()) == [1, 2, 3, 4]
    assert_png(tmp_path / "loss.png")


def test_history_with_validation_and_accuracy_gets_two_panels(tmp_path):
    history = nn.History()
    for epoch in range(5):
        history.record(loss=1.0 / (epoch + 1), accuracy=0.5 + 0.1 * epoch, val_loss=1.2 / (epoch + 1),
                       val_accuracy=0.4 + 0.1 * epoch)
    figure = viz.plot_loss(history, tmp_path / "history.svg")
    loss_axes, accuracy_axes = figure.axes
    assert [l.get_label() for l in loss_axes.get_lines()] == ["training", "validation"]
    assert len(accuracy_axes.get_lines()) == 2
    assert (tmp_path / "history.svg").read_text().lstrip().startswith("<?xml")
    assert history.plot().axes[0].get_title() == "Loss"  # nn.History.plot delegates here


def test_regression_history_has_no_accuracy_panel():
    history = nn.History()
    history.record(loss=2.0)
    history.record(loss=1.0)
    assert len(viz.plot_loss(history).axes) == 1


def test_losses_spanning_decades_use_a_log_scale():
    assert viz.plot_loss([10.0 ** -e for e in range(6)]).axes[0].get_yscale() == "log"
    assert viz.plot_loss([3.0, 2.0]).axes[0].get_yscale() == "linear"


@pytest.mark.parametrize("history, error, words", [
    ([], ValueError, "no loss values yet"),
    ("loss", TypeError, "history must be a list"),
    ([1.0, "x"], TypeError, "must hold numbers"),
])
def test_bad_history_is_a_clear_error(history, error, words):
    with pytest.raises(error, match=words):
        viz.plot_loss(history)


def test_unsupported_suffix_names_the_path(tmp_path):
    with pytest.raises(ValueError, match=r"path .*loss\.xyz.* must end in one of"):
        viz.plot_loss([1.0], tmp_path / "loss.xyz")
    assert os.listdir(tmp_path) == []


# -- activations -----------------------------------------------------------------
@pytest.mark.parametrize("name", UNARY)
def test_activation_derivative_matches_finite_differences(name):
    xs = np.linspace(-3.0, 3.0, 121)
    xs = xs[np.abs(xs) > 0.1]  # away from the kinks of relu, abs, leaky_relu
    values, slopes = activation_curve(name, xs)
    h = 1e-6
    plus, _ = activation_curve(name, xs + h)
    minus, _ = activation_curve(name, xs - h)
    defined = np.isfinite(plus) & np.isfinite(minus)
    assert defined.sum() > 20
    np.testing.assert_allclose(slopes[defined], (plus - minus)[defined] / (2 * h), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "leaky_relu"])
def test_plot_activation_draws_the_function_and_its_derivative(name, tmp_path):
    figure = viz.plot_activation(name, tmp_path / f"{name}.png")
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert labels[0] == OPS[name].expr.format(x="x", k="0.01") and labels[1].startswith("d/dx = ")
    assert_png(tmp_path / f"{name}.png")


def test_kinks_show_as_steps_and_domains_as_gaps():
    figure = viz.plot_activation("relu")
    derivative = figure.axes[0].get_lines()[-1].get_ydata()
    assert np.isnan(derivative).sum() == 1  # one break at 0, no steep line drawn
    values, _ = activation_curve("log", np.array([-1.0, 0.0, 1.0]))
    assert np.isnan(values[:2]).all() and values[2] == 0.0


def test_a_range_partly_outside_the_domain_draws_the_part_inside():
    figure = viz.plot_activation("log", x_range=(-2, 3))
    values = figure.axes[0].get_lines()[-2].get_ydata()
    assert np.isnan(values).any() and np.isfinite(values).any()


def test_a_range_wholly_outside_the_domain_names_the_domain():
    with pytest.raises(ValueError, match=r"x_range=\(-3, -1\) lies outside the domain of sqrt .*x >= 0"):
        viz.plot_activation("sqrt", x_range=(-3, -1))


def test_leaky_relu_slope_is_its_constant():
    _, slopes = activation_curve("leaky_relu", np.array([-1.0, 1.0]), k=0.2)
    assert list(slopes) == [0.2, 1.0]


@pytest.mark.parametrize("arguments, error, words", [
    (dict(name="softmax"), ValueError, "one-operand op of the op table"),
    (dict(name="add"), ValueError, "one-operand op"),
    (dict(name="tanh", x_range=(2, 1)), ValueError, "x_range"),
    (dict(name="tanh", x_range=(-math.inf, 0)), ValueError, "x_range must be .* finite"),
    (dict(name="tanh", x_range=(-1e308, 1e308)), ValueError, "finite width"),
    (dict(name="leaky_relu", k="steep"), TypeError, "k must be a number"),
])
def test_bad_activation_arguments(arguments, error, words):
    with pytest.raises(error, match=words):
        viz.plot_activation(**arguments)


# -- decision boundaries ----------------------------------------------------------
@pytest.fixture(scope="module")
def trained():
    X, y = nn.make_moons(80, seed=0)
    model = nn.MLP(2, [8, 1], seed=0)
    nn.fit(model, X, y, loss="bce_with_logits", lr=0.05, epochs=40, progress=False)
    return model, X, y


def test_boundary_of_an_mlp_agrees_with_nn_predict(trained, tmp_path):
    model, X, y = trained
    figure = viz.plot_decision_boundary(model, X, y, tmp_path / "moons.png", resolution=40, fast=False)
    accuracy = nn.accuracy(model, X, y)
    assert figure.axes[0].get_title() == f"Decision boundary (accuracy {accuracy:.0%} on the 80 points)"
    assert_png(tmp_path / "moons.png")


def test_the_tape_path_gives_the_same_outputs(trained):
    model, X, _ = trained
    points = np.random.default_rng(0).uniform(-2, 3, size=(50, 2))
    np.testing.assert_allclose(model_outputs(model, points, fast=True), model_outputs(model, points, fast=False),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model_outputs(model, points, fast=False)[:, 0], nn.model_outputs(model, points)[:, 0])


def test_any_callable_or_predict_method_works():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    y = np.array([0, 1, 1, 0])
    as_float = viz.plot_decision_boundary(lambda x: x[1], X, y, resolution=10)
    assert "accuracy 100%" in as_float.axes[0].get_title()

    class Batch:
        def predict(self, rows):
            return (np.asarray(rows)[:, 1] > 0).astype(int)

    class OneAtATime:
        def predict(self, row):
            if np.asarray(row).ndim != 1:
                raise ValueError("one sample only")
            return int(row[1] > 0)

    for model in (Batch(), OneAtATime()):
        assert "accuracy 100%" in viz.plot_decision_boundary(model, X, y, resolution=10).axes[0].get_title()


def test_several_outputs_pick_the_argmax():
    X, y = nn.make_blobs(60, centers=3, seed=1)
    centers = [X[y == k].mean(axis=0) for k in range(3)]

    def nearest_center(x):  # one score per class: minus the squared distance to its center
        return [-((x[0] - c[0]) ** 2 + (x[1] - c[1]) ** 2) for c in centers]

    figure = viz.plot_decision_boundary(nearest_center, X, y, resolution=30)
    assert figure.axes[0].get_legend_handles_labels()[1] == ["y = 0", "y = 1", "y = 2"]


def test_sigmoid_outputs_split_at_one_half():
    class Probability:
        output_activation = "sigmoid"

        def __call__(self, x):
            return 0.7 if x[0] > 0 else 0.3

    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    figure = viz.plot_decision_boundary(Probability(), X, [0, 1], resolution=10, fast=False)
    assert "accuracy 100%" in figure.axes[0].get_title()


def test_a_constant_column_still_gets_an_area():
    X = np.array([[-1.0, 5.0], [1.0, 5.0]])
    figure = viz.plot_decision_boundary(lambda x: x[0], X, [0, 1], resolution=10, padding=0)
    low, high = figure.axes[0].get_ylim()
    assert low < 5.0 < high and "accuracy 100%" in figure.axes[0].get_title()


def test_a_given_threshold_moves_the_boundary():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    figure = viz.plot_decision_boundary(lambda x: x[0], X, [0, 0, 1], resolution=10, threshold=2.0, fast=False)
    assert "accuracy 100%" in figure.axes[0].get_title()


@pytest.mark.parametrize("model, X, y, error, words", [
    (lambda x: x[0], [[1.0, 2.0, 3.0]], [0], ValueError, r"X must have shape \(samples, 2\)"),
    (lambda x: x[0], [[1.0, 2.0]], [0, 1], ValueError, "one numeric class label per row"),
    (lambda x: x[0], [[1.0, math.nan]], [0], ValueError, "finite"),
    (lambda x: x[0], [[1.0, 2.0], [0.0, 0.0], [3.0, 3.0]], [0, 1, 2], ValueError, "one output, which separates two"),
    (42, [[1.0, 2.0]], [0], TypeError, "model must be callable"),
    (lambda x: "yes", [[1.0, 2.0]], [0], TypeError, "model must return a Value"),
    (lambda x: x[0], [[1e308, 0.0], [-1e308, 1.0]], [0, 1], ValueError, "rescale X"),
    (lambda x: [x[0], x[1]], [[1.0, 2.0], [0.0, 0.0]], [0, 1], ValueError, "threshold applies only"),
])
def test_decision_boundary_misuse(model, X, y, error, words):
    threshold = 0.5 if "threshold" in words else None
    with pytest.raises(error, match=words):
        viz.plot_decision_boundary(model, X, y, resolution=10, fast=False, threshold=threshold)


def test_headless_without_a_chosen_backend_uses_agg():
    code = ("import viz.plots, matplotlib; viz.plots.pyplot(); "
            "print(matplotlib.get_backend().lower())")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "agg"
    env["MPLBACKEND"] = "svg"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "svg"  # a backend the user chose is kept
