"""Toy data sets for classification (numpy only), seeded so every platform gets the same numbers.

Every generator returns ``(X, y)``: X a float array of shape (n, 2) and y an int
array of shape (n,). Binary sets take ``labels=(negative, positive)``: ``(0, 1)``
(the default, for sigmoid/bce losses) or ``(-1, 1)`` (for hinge loss and tanh
outputs). Multi-class sets (blobs, spiral) label classes 0..K-1. Draws come from
``numpy.random.default_rng(seed)`` (PCG64). A set holds at most
``nn.validate.MAX_SAMPLES`` (10**7) samples.

>>> X, y = make_xor()
>>> X.tolist(), y.tolist()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
>>> make_moons(6, seed=1, labels=(-1, 1))[1].tolist()
[1, -1, -1, -1, 1, 1]
"""

import numpy as np

from .validate import MAX_SAMPLES, check_count, check_pair, check_range, check_samples, check_seed


INT64 = np.iinfo(np.int64)


def _check_labels_pair(labels) -> tuple:
    negative, positive = check_pair(labels, "labels", (int, np.integer), "integers")
    for label in (negative, positive):
        if not INT64.min <= label <= INT64.max:
            raise ValueError(f"labels must be integers that fit in int64 (the dtype of y), such as (0, 1) or "
                             f"(-1, 1); got {labels!r}")
    return int(negative), int(positive)


def _check_size(n) -> int:
    return check_count(n, "n", MAX_SAMPLES)


def _binary(y01: np.ndarray, labels) -> np.ndarray:
    negative, positive = _check_labels_pair(labels)
    return np.where(y01 == 1, positive, negative).astype(np.int64)


def _check_noise(noise) -> float:
    return check_range(noise, "noise", 0.0, np.inf)


def make_moons(n: int = 100, noise: float = 0.1, seed=0, labels=(0, 1)):
    """Two interleaving half circles (the micrograd demo's data), shuffled, with Gaussian noise."""
    n = _check_size(n)
    noise = _check_noise(noise)
    rng = check_seed(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    X = np.concatenate([np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
                        np.stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1)])
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_inner, np.int64)])
    order = rng.permutation(n)
    X = X[order] + rng.normal(0.0, noise, size=(n, 2))
    return X, _binary(y[order], labels)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed=0, labels=(0, 1)):
    """A small circle (label positive) inside a big one (radius 1), shuffled, with Gaussian noise."""
    n = _check_size(n)
    noise = _check_noise(noise)
    factor = check_range(factor, "factor", 0.0, 1.0)
    rng = check_seed(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0.0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * np.pi, n_inner, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
                        factor * np.stack([np.cos(t_inner), np.sin(t_inner)], axis=1)])
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_inner, np.int64)])
    order = rng.permutation(n)
    X = X[order] + rng.normal(0.0, noise, size=(n, 2))
    return X, _binary(y[order], labels)


def make_blobs(n: int = 100, centers: int = 3, std: float = 1.0, seed=0):
    """Gaussian clusters around `centers` random centres in [-10, 10]^2; labels 0..centers-1."""
    n = _check_size(n)
    centers = check_count(centers, "centers", MAX_SAMPLES)
    std = check_range(std, "std", 0.0, np.inf)
    rng = check_seed(seed)
    middle = rng.uniform(-10.0, 10.0, size=(centers, 2))
    y = np.arange(n, dtype=np.int64) % centers
    rng.shuffle(y)
    X = middle[y] + rng.normal(0.0, std, size=(n, 2))
    return X, y


def make_spiral(n: int = 150, classes: int = 3, noise: float = 0.2, seed=0):
    """`classes` interleaved spiral arms (the CS231n toy set), n points in all; labels 0..classes-1."""
    n = _check_size(n)
    classes = check_count(classes, "classes")
    noise = _check_noise(noise)
    rng = check_seed(seed)
    X, y = [], []
    for k in range(min(classes, n)):  # classes beyond the n-th get no points
        count = n // classes + (k < n % classes)
        radius = np.linspace(0.0, 1.0, count)
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), count) + rng.normal(0.0, noise, size=count)
        X.append(np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=1))
        y.append(np.full(count, k, dtype=np.int64))
    return np.concatenate(X), np.concatenate(y)


def _truth_table(table, n, noise, seed, labels):
    n = _check_size(n)
    noise = _check_noise(noise)
    rng = check_seed(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    index = np.arange(n) % 4
    X = corners[index] + (rng.normal(0.0, noise, size=(n, 2)) if noise else 0.0)
    return X, _binary(np.asarray(table)[index], labels)


def make_xor(n: int = 4, noise: float = 0.0, seed=0, labels=(0, 1)):
    """The XOR truth table (x1 != x2); n > 4 repeats the corners in order, noise jitters them."""
    return _truth_table([0, 1, 1, 0], n, noise, seed, labels)


def make_and(n: int = 4, noise: float = 0.0, seed=0, labels=(0, 1)):
    """The AND truth table (x1 and x2), corners in order (0,0), (0,1), (1,0), (1,1)."""
    return _truth_table([0, 0, 0, 1], n, noise, seed, labels)


def make_or(n: int = 4, noise: float = 0.0, seed=0, labels=(0, 1)):
    """The OR truth table (x1 or x2), corners in order (0,0), (0,1), (1,0), (1,1)."""
    return _truth_table([0, 1, 1, 1], n, noise, seed, labels)


def _check_pair(X, y):
    X = check_samples(X)
    y = np.asarray(y)
    if y.ndim == 0:
        raise ValueError(f"y must hold one label per sample (an array of {len(X)}), got the single value {y.item()!r}")
    if len(y) != len(X):
        raise ValueError(f"y has {len(y)} labels but X has {len(X)} samples; give one label per sample")
    return X, y


def train_test_split(X, y, test_size: float = 0.25, seed=0):
    """Shuffle and split into (X_train, X_test, y_train, y_test); test_size is a fraction in (0, 1).

    >>> X, y = make_moons(8)
    >>> [part.shape for part in train_test_split(X, y)]
    [(6, 2), (2, 2), (6,), (2,)]
    """
    X, y = _check_pair(X, y)
    test_size = check_range(test_size, "test_size", 0.0, 1.0)
    n_test = int(np.ceil(test_size * len(X)))
    if test_size == 0.0 or n_test >= len(X):
        raise ValueError(f"test_size={test_size} leaves {len(X) - n_test} training and {n_test} test samples "
                         f"out of {len(X)}; both parts need at least one")
    order = check_seed(seed).permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def batches(X, y, batch_size=None, shuffle: bool = True, seed=0):
    """Yield (X_batch, y_batch) covering every sample once; batch_size None means one full batch.

    `seed` is an int or a numpy Generator (pass the same Generator every epoch to
    get a fresh order each time). The last batch may be smaller.

    >>> X, y = make_xor()
    >>> [yb.tolist() for _, yb in batches(X, y, batch_size=3, shuffle=False)]
    [[0, 1, 1], [0]]
    """
    X, y = _check_pair(X, y)
    n = len(X)
    size = n if batch_size is None else check_count(batch_size, "batch_size")
    rng = check_seed(seed)
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, size):
        chosen = order[start:start + size]
        yield X[chosen], y[chosen]
