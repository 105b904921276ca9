"""viz.step_diff: the loss change foretold by the gradient beside the measured one, and the weights' moves drawn."""

import re
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

import nn
import viz
from tests.viz.conftest import SVG


def numpy_loss(params, X, y, sizes):
    """bce_with_logits of a tanh MLP with a linear output, written with numpy alone (nn's parameter order)."""
    a, i = X, 0
    for layer, width in enumerate(sizes):
        nin = a.shape[1]
        block = params[i:i + width * (nin + 1)].reshape(width, nin + 1)
        i += width * (nin + 1)
        a = a @ block[:, :nin].T + block[:, nin]
        if layer < len(sizes) - 1:
            a = np.tanh(a)
    s = a[:, 0]
    return float(np.mean(np.logaddexp(0.0, s) - y * s))


def numpy_gradient(params, X, y, sizes, h=1e-6):
    """Central finite differences of numpy_loss."""
    grad = np.empty_like(params)
    for k in range(len(params)):
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        grad[k] = (numpy_loss(up, X, y, sizes) - numpy_loss(down, X, y, sizes)) / (2 * h)
    return grad


@pytest.fixture
def setting():
    X, y = nn.make_moons(30, seed=3)
    model = nn.MLP(2, [4, 1], seed=1)
    return model, X, y, np.array([p.data for p in model.parameters()])


def test_the_prediction_is_minus_lr_times_the_squared_gradient(setting):
    model, X, y, params = setting
    diff = viz.step_diff(model, X, y, "bce_with_logits", lr=0.05)
    g = numpy_gradient(params, X, y, [4, 1])
    assert diff.predicted_change == pytest.approx(-0.05 * g @ g, rel=1e-6)
    np.testing.assert_allclose(diff.after, params - 0.05 * g, rtol=0, atol=1e-8)
    assert diff.loss_before == pytest.approx(numpy_loss(params, X, y, [4, 1]), rel=1e-12)
    assert diff.actual_change == pytest.approx(numpy_loss(diff.after, X, y, [4, 1]) - diff.loss_before, rel=1e-9)
    np.testing.assert_array_equal([p.data for p in model.parameters()], params)  # the model is left as it was
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_small_step_keeps_the_promise_and_a_huge_one_breaks_it(setting):
    model, X, y, _ = setting
    small = viz.step_diff(model, X, y, "bce_with_logits", lr=1e-3)
    assert small.actual_change == pytest.approx(small.predicted_change, rel=0.01)
    huge = viz.step_diff(model, X, y, "bce_with_logits", lr=200.0)
    assert huge.predicted_change < 0
    assert abs(huge.actual_change - huge.predicted_change) > abs(huge.predicted_change)  # off by more than itself
    assert "actual change" in str(huge) and "lr = 200" in str(huge)


def test_given_snapshots_are_compared_to_first_order(setting):
    model, X, y, params = setting
    after = params + np.linspace(-1e-4, 1e-4, len(params))
    diff = viz.step_diff(model, X, y, "bce_with_logits", after=after)
    g = numpy_gradient(params, X, y, [4, 1])
    assert diff.predicted_change == pytest.approx(g @ (after - params), rel=1e-5)
    assert diff.actual_change == pytest.approx(diff.predicted_change, rel=0.01)
    data = diff.as_dict()
    assert data["parameters"]["L0.N0.w0"]["change"] == pytest.approx(after[0] - params[0])
    assert data["lr"] is None and "g . change" in str(diff)


def test_edge_colors_follow_the_sign_of_each_weights_move(setting, bundled, tmp_path):
    model, X, y, _ = setting
    diff = viz.step_diff(model, X, y, "bce_with_logits", lr=0.5)
    path = diff.render(tmp_path / "step.svg", engine=bundled)
    root = ElementTree.parse(path).getroot()
    strokes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "edge" and group.get("id"):
            strokes[group.get("id")] = next(group.iter(f"{SVG}path")).get("stroke")
    weights = [name for name in diff.names if not name.endswith(".b")]
    assert sorted(strokes) == sorted(weights)
    for name in weights:
        change = diff.after[diff.names.index(name)] - diff.before[diff.names.index(name)]
        r, _, b = (int(strokes[name][i:i + 2], 16) for i in (1, 3, 5))
        assert (b > r) == (change > 0), name  # blue grew, red shrank
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert re.search(r"predicted change -[\d.]+", texts) and "actual change" in texts


def test_the_largest_move_is_drawn_widest(setting):
    model, X, y, _ = setting
    diff = viz.step_diff(model, X, y, "bce_with_logits", lr=0.5)
    source = diff.to_dot().source
    widths = {m.group(1): float(m.group(2)) for m in re.finditer(r'id="([^"]+)" [^\]]*penwidth=([\d.]+)', source)}
    moves = {name: abs(c) for name, c in zip(diff.names, diff.change) if name in widths}
    assert max(widths, key=widths.get) == max(moves, key=moves.get)


@pytest.mark.parametrize("arguments, error, words", [
    (dict(), ValueError, "give lr"),
    (dict(lr=-1.0), ValueError, "lr"),
    (dict(after=[1.0, 2.0]), ValueError, "shape"),
    (dict(before=np.full(17, np.nan), lr=0.1), ValueError, "finite"),
    (dict(before="abc", lr=0.1), TypeError, "before"),
    (dict(lr="fast"), ValueError, "lr"),
])
def test_bad_arguments_are_named(setting, arguments, error, words):
    model, X, y, _ = setting
    with pytest.raises(error, match=words):
        viz.step_diff(model, X, y, "bce_with_logits", **arguments)


def test_a_non_model_and_mismatched_data_are_refused(setting):
    model, X, y, _ = setting
    with pytest.raises(TypeError, match="nn model"):
        viz.step_diff(lambda x: x, [[0.0, 0.0]], [0], "mse", lr=0.1)
    with pytest.raises(ValueError, match="one label per row"):
        viz.step_diff(model, X, y[:-1], "mse", lr=0.1)
    with pytest.raises(ValueError, match="columns"):
        viz.step_diff(model, X[:, :1], y, "mse", lr=0.1)
    with pytest.raises(ValueError, match="loss"):
        viz.step_diff(model, X, y, "no such loss", lr=0.1)
