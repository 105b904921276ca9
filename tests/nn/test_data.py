"""Toy data sets: deterministic per seed, on their closed-form curves without noise, label conventions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import (batches, make_and, make_blobs, make_circles, make_moons, make_or, make_spiral, make_xor,
                     train_test_split)

GENERATORS = [make_moons, make_circles, make_blobs, make_spiral, make_xor, make_and, make_or]
BINARY = [make_moons, make_circles, make_xor, make_and, make_or]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(GENERATORS), st.integers(1, 60), st.integers(0, 2 ** 32))
def test_same_seed_same_data(generator, n, seed):
    noise = {} if generator in (make_blobs,) else {"noise": 0.1}
    X1, y1 = generator(n, seed=seed, **noise)
    X2, y2 = generator(n, seed=seed, **noise)
    assert X1.tobytes() == X2.tobytes() and y1.tolist() == y2.tolist()
    assert X1.shape == (n, 2) and y1.shape == (n,) and y1.dtype == np.int64


def test_moons_pinned_for_seed_0():
    X, y = make_moons(4, seed=0)
    assert X.tolist() == [[0.06404226504432821, 0.510490011715304], [0.9464330626838889, 0.03615950549094848],
                          [-0.8695999954869863, 0.09470809631292434], [1.9296264764193007, 0.3734578528953946]]
    assert y.tolist() == [1, 0, 0, 1]


def test_different_seeds_give_different_data():
    assert make_moons(50, seed=1)[0].tolist() != make_moons(50, seed=2)[0].tolist()


@pytest.mark.parametrize("generator", BINARY)
def test_binary_label_conventions(generator):
    _, y01 = generator(40, seed=3)
    _, ypm = generator(40, seed=3, labels=(-1, 1))
    assert set(y01.tolist()) <= {0, 1} and ypm.tolist() == (2 * y01 - 1).tolist()


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(101, noise=0.0)
    outer, inner = X[y == 0], X[y == 1]
    assert len(outer) == 50 and len(inner) == 51
    assert np.allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0) and (outer[:, 1] >= -1e-12).all()
    assert np.allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0) and (inner[:, 1] <= 0.5 + 1e-12).all()


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = make_circles(60, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)


def test_blobs_are_balanced_and_near_their_centres():
    X, y = make_blobs(300, centers=3, std=0.5, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    centres = np.array([X[y == k].mean(axis=0) for k in range(3)])
    spread = max(np.linalg.norm(X[y == k] - centres[k], axis=1).mean() for k in range(3))
    assert spread < 1.0


def test_spiral_splits_n_among_arms():
    X, y = make_spiral(100, classes=3)
    assert len(X) == 100 and np.bincount(y).tolist() == [34, 33, 33]
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 1e-12


def test_truth_tables():
    assert make_xor()[1].tolist() == [0, 1, 1, 0]
    assert make_and()[1].tolist() == [0, 0, 0, 1]
    assert make_or(labels=(-1, 1))[1].tolist() == [-1, 1, 1, 1]
    X, y = make_xor(8, noise=0.05, seed=1)
    assert y.tolist() == [0, 1, 1, 0] * 2 and np.abs(X - make_xor(8)[0]).max() < 0.3


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 50), st.floats(0.05, 0.95), st.integers(0, 1000))
def test_train_test_split_partitions_the_rows(n, test_size, seed):
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    y = np.arange(n)
    if not 1 <= int(np.ceil(test_size * n)) < n:
        with pytest.raises(ValueError, match="both parts need at least one"):
            train_test_split(X, y, test_size, seed)
        return
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size, seed)
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(n))
    assert (X_train[:, 0] == 2 * y_train).all() and (X_test[:, 0] == 2 * y_test).all()
    assert len(y_test) == int(np.ceil(test_size * n))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 50), st.booleans())
def test_batches_cover_every_sample_once(n, batch_size, shuffle):
    X = np.arange(n, dtype=float).reshape(n, 1)
    y = np.arange(n)
    parts = list(batches(X, y, batch_size, shuffle=shuffle, seed=0))
    assert sorted(np.concatenate([yb for _, yb in parts]).tolist()) == list(range(n))
    assert all(len(yb) == batch_size for _, yb in parts[:-1]) and 1 <= len(parts[-1][1]) <= batch_size
    assert all((xb[:, 0] == yb).all() for xb, yb in parts)


def test_batches_reshuffle_each_epoch_from_one_generator():
    X, y = np.zeros((20, 2)), np.arange(20)
    rng = np.random.default_rng(0)
    first = [yb.tolist() for _, yb in batches(X, y, 5, seed=rng)]
    second = [yb.tolist() for _, yb in batches(X, y, 5, seed=rng)]
    assert first != second
    assert first == [yb.tolist() for _, yb in batches(X, y, 5, seed=0)]
    assert [len(yb) for _, yb in batches(X, y)] == [20]


@pytest.mark.parametrize("call, message", [
    (lambda: make_moons(0), "n must be a positive integer"),
    (lambda: make_moons(10, noise=-0.1), r"noise must be in \[0.0, inf\)"),
    (lambda: make_moons(10, labels=(1, 1)), "labels must be two different integers"),
    (lambda: make_moons(10, labels="pm1"), r"labels must be a pair \(negative, positive\)"),
    (lambda: make_circles(10, factor=1.5), "factor must be in"),
    (lambda: make_blobs(10, centers=0), "centers must be a positive integer"),
    (lambda: train_test_split(np.zeros((4, 2)), [0, 1, 2]), "y has 3 labels but X has 4 samples"),
    (lambda: train_test_split(np.zeros((4, 2)), [0, 1, 2, 3], test_size=1.0), "test_size must be in"),
    (lambda: list(batches(np.zeros((4, 2)), np.zeros(4), batch_size=0)), "batch_size must be a positive integer"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_more_spiral_arms_than_points_gives_one_point_per_arm():
    X, y = make_spiral(5, classes=10 ** 12, seed=2)
    assert y.tolist() == [0, 1, 2, 3, 4] and X.tolist() == make_spiral(5, classes=5, seed=2)[0].tolist()


@pytest.mark.parametrize("call, error, message", [
    (lambda: make_moons(10 ** 7 + 1), ValueError, "n must be at most 10,000,000"),
    (lambda: make_blobs(10, centers=10 ** 7 + 1), ValueError, "centers must be at most 10,000,000"),
    (lambda: make_moons(10, seed="0"), TypeError, "seed must be None, a non-negative int or a numpy Generator"),
    (lambda: make_xor(seed=-3), ValueError, "seed must be a non-negative int"),
    (lambda: list(batches(*make_xor(), seed=1.5)), TypeError, "seed must be"),
    (lambda: make_moons(labels=5), TypeError, "labels must be a pair"),
])
def test_caps_and_seeds_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
