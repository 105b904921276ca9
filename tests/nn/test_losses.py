"""Every loss against PyTorch float64 (value and gradients), finite differences, and its label checks."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck
from nn import losses
from nn.losses import (EPSILON, bce_with_logits, binary_cross_entropy, cross_entropy, hinge, l2_penalty, mse,
                       softmax)

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(7)
SCORES = RNG.normal(0.0, 2.0, size=8).tolist()
LABELS01 = [0, 1, 1, 0, 1, 0, 0, 1]


def ours_and_grads(loss, predictions, targets):
    values = [Value(p) for p in predictions]
    out = loss(values, targets)
    out.backward()
    return out.data, [v.grad for v in values]


def torch_and_grads(function, predictions, targets):
    tensor = torch.tensor(predictions, dtype=torch.float64, requires_grad=True)
    out = function(tensor, torch.tensor(targets, dtype=torch.float64))
    out.backward()
    return out.item(), tensor.grad.tolist()


def assert_close(ours, theirs):
    (value, grads), (their_value, their_grads) = ours, theirs
    assert value == pytest.approx(their_value, rel=1e-12, abs=1e-15)
    assert grads == pytest.approx(their_grads, rel=1e-12, abs=1e-15)


BINARY_CASES = [
    ("mse", mse, SCORES, RNG.normal(size=8).tolist(), F.mse_loss),
    ("binary_cross_entropy", binary_cross_entropy, [1 / (1 + math.exp(-z)) for z in SCORES], LABELS01,
     F.binary_cross_entropy),
    ("bce_with_logits", bce_with_logits, SCORES, LABELS01, F.binary_cross_entropy_with_logits),
    ("bce_with_logits soft targets", bce_with_logits, SCORES, [0.2, 0.9, 1.0, 0.0, 0.5, 0.3, 0.7, 0.1],
     F.binary_cross_entropy_with_logits),
    ("hinge", hinge, SCORES, [2 * y - 1 for y in LABELS01],
     lambda s, y: torch.clamp(1 - y * s, min=0).mean()),
]


@pytest.mark.parametrize("name, loss, predictions, targets, oracle", BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
def test_loss_matches_torch(name, loss, predictions, targets, oracle):
    assert_close(ours_and_grads(loss, predictions, targets), torch_and_grads(oracle, predictions, targets))


def test_mse_with_several_outputs_averages_every_element():
    predictions = RNG.normal(size=(5, 3))
    targets = RNG.normal(size=(5, 3))
    values = [[Value(x) for x in row] for row in predictions.tolist()]
    out = mse(values, targets)
    out.backward()
    tensor = torch.tensor(predictions, requires_grad=True)
    expected = F.mse_loss(tensor, torch.tensor(targets))
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-12)
    assert np.allclose([[v.grad for v in row] for row in values], tensor.grad.numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_cross_entropy_matches_torch(scale):
    logits = (RNG.normal(size=(6, 4)) * scale).tolist()
    targets = [0, 3, 2, 1, 1, 0]
    values = [[Value(z) for z in row] for row in logits]
    out = cross_entropy(values, targets)
    out.backward()
    tensor = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    expected = F.cross_entropy(tensor, torch.tensor(targets))
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-15)
    assert np.allclose([[v.grad for v in row] for row in values], tensor.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_softmax_matches_torch_and_sums_to_one():
    logits = [1000.0, 999.0, -5.0]  # exp(1000) overflows without the shift
    probs = softmax([Value(z) for z in logits])
    assert [p.data for p in probs] == pytest.approx(torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).tolist(), rel=1e-12)
    assert sum(p.data for p in probs) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("z", [800.0, -800.0, 40.0, -40.0])
def test_bce_with_logits_is_stable_for_huge_scores(z):
    value, grads = ours_and_grads(bce_with_logits, [z], [1])
    their = torch_and_grads(F.binary_cross_entropy_with_logits, [z], [1])
    # torch has log1p: for z = 40 its loss is 4e-18 where log(1 + 4e-18) rounds to 0.
    assert math.isfinite(value) and value == pytest.approx(their[0], rel=1e-12, abs=1e-16)
    assert grads == pytest.approx(their[1], rel=1e-12, abs=1e-300)


def test_bce_with_logits_derivative_at_zero_is_sigmoid_minus_target():
    assert ours_and_grads(bce_with_logits, [0.0], [1])[1] == [-0.5]
    assert ours_and_grads(bce_with_logits, [0.0, 0.0], [0, 1])[1] == [0.25, -0.25]


def test_binary_cross_entropy_clamps_saturated_probabilities():
    value, grads = ours_and_grads(binary_cross_entropy, [1.0, 0.0], [0, 1])
    clamped_high, clamped_low = 1.0 - EPSILON, EPSILON
    assert value == pytest.approx((-math.log(1.0 - clamped_high) - math.log(clamped_low)) / 2, rel=1e-15)
    assert value < 28
    assert grads == [0.0, 0.0]  # flat where clamped, as torch.clamp


def test_l2_penalty_is_the_sum_of_squares():
    params = [Value(x) for x in (1.0, -2.0, 0.5)]
    out = l2_penalty(params)
    out.backward()
    assert out.data == 5.25 and [p.grad for p in params] == [2.0, -4.0, 1.0]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-6, 6), min_size=1, max_size=4), st.data())
def test_losses_pass_gradcheck(scores, data):
    labels = data.draw(st.lists(st.sampled_from([0, 1]), min_size=len(scores), max_size=len(scores)))
    gradcheck(lambda *zs: bce_with_logits(list(zs), labels), scores)
    gradcheck(lambda *zs: mse(list(zs), labels), scores)
    gradcheck(lambda *zs: binary_cross_entropy([z.sigmoid() for z in zs], labels), scores)
    k = len(scores)
    if k >= 2:
        gradcheck(lambda *zs: cross_entropy([list(zs)], [labels.index(1) if 1 in labels else 0]), scores)


def test_losses_tag_their_nodes_with_their_name():
    out = hinge([Value(0.3)], [1])
    assert out.scope == "hinge" and out.parents[0].scope == "hinge"


@pytest.mark.parametrize("call, message", [
    (lambda: hinge([Value(0.1), Value(0.2)], [0, 1]), r"targets\[0\] = 0.*convert 0/1 labels with 2 \* y - 1"),
    (lambda: bce_with_logits([Value(0.1)], [-1]), r"targets\[0\] = -1.*\(y \+ 1\) / 2"),
    (lambda: binary_cross_entropy([Value(1.5)], [1]), r"probabilities\[0\] = 1.5 is not in \[0, 1\].*bce_with_logits"),
    (lambda: cross_entropy([[1.0, 2.0], [0.0, 1.0]], [0, 2]), r"targets\[1\] = 2.*integers 0..1"),
    (lambda: cross_entropy([[1.0, 2.0], [0.0]], [0, 1]), r"logits\[1\] has 1 scores"),
    (lambda: cross_entropy([1.0, 2.0], [0, 1]), "one list of K scores per sample"),
    (lambda: mse([Value(1.0)], [1.0, 2.0]), "targets has 2 labels but there are 1 samples"),
    (lambda: mse([], []), "predictions is empty"),
    (lambda: mse(["a"], [1.0]), r"predictions\[0\] must be a Value or a number"),
    (lambda: hinge([[Value(1.0), Value(2.0)]], [1]), "use cross_entropy"),
    (lambda: mse([Value(1.0)], [math.nan]), "NaN or infinity"),
    (lambda: losses.get_loss("l1"), "loss must be one of"),
])
def test_bad_arguments_are_named_with_a_fix(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_predictions_may_be_any_iterable():
    assert mse((Value(x) for x in [1.0, 2.0]), np.zeros(2)).data == 2.5
    assert hinge(np.array([0.5, -0.5]), np.array([1, 1])).data == 1.0
