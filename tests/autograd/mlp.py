"""A small MLP written directly with Values, for tape tests that must not depend on nn."""

import numpy as np

from autograd import Value


def mlp(sizes, seed=1, activation="relu", bias_first=True):
    """(model function, params): neurons are sum(w*x) with bias first (or last)."""
    rng = np.random.default_rng(seed)
    weights = [[[Value(rng.uniform(-1, 1)) for _ in range(sizes[l])] for _ in range(sizes[l + 1])]
               for l in range(len(sizes) - 1)]
    biases = [[Value(rng.uniform(-0.1, 0.1)) for _ in range(sizes[l + 1])] for l in range(len(sizes) - 1)]
    params = [w for layer in weights for row in layer for w in row] + [b for layer in biases for b in layer]

    def neuron(row, b, x):
        products = [w * xi for w, xi in zip(row, x)]
        return sum(products, b) if bias_first else sum(products[1:], products[0]) + b

    def model(x):
        for l, (layer, bs) in enumerate(zip(weights, biases)):
            x = [neuron(row, b, x) for row, b in zip(layer, bs)]
            if l < len(weights) - 1:
                x = [getattr(v, activation)() for v in x]
        return x[0] if len(x) == 1 else x

    return model, params
