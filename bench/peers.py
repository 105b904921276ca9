"""The tape benchmark's workload and its peers: one training step of the same MLP in every system.

Each `*_stepper(X, y, layers)` returns a `Stepper` (or None when that peer is not
installed): `step()` runs one full-batch step (forward over all samples, mean hinge
loss + 1e-4 * sum(p^2), backward, SGD with lr 0.01) and `params()` returns every
parameter as a float64 array in gradwalk's order (layer by layer, neuron by neuron,
its weights then its bias), so every peer can be checked against every other.
"""

from collections import namedtuple

import numba
import numpy as np

import nn
from autograd import Value, compile

ALPHA = 1e-4  # L2 coefficient
LR = 0.01

Stepper = namedtuple("Stepper", "step params")


def init_layers(sizes, seed=1):
    """[(W, b)] per layer for layer sizes like (2, 16, 16, 1): W ~ U(-1, 1) shaped (out, in), b = 0."""
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, size=(n_out, n_in)), np.zeros(n_out)) for n_in, n_out in zip(sizes, sizes[1:])]


def flatten(layers):
    """All parameters in gradwalk's (and micrograd's) order: per neuron its weights, then its bias."""
    return np.concatenate([np.column_stack([W, b]).ravel() for W, b in layers])


def flops_per_sample(sizes):
    """Multiply-adds x 2 of forward, weight grads and input grads (not of the 2 inputs): 1,760 for [16, 16]."""
    products = [a * b for a, b in zip(sizes, sizes[1:])]
    return 2 * (2 * sum(products) + sum(products[1:]))


# -- gradwalk -----------------------------------------------------------------------------


def gradwalk_model(layers):
    """nn.MLP with ReLU hidden layers and a linear output, holding the weights of `layers`."""
    model = nn.MLP(layers[0][0].shape[1], [W.shape[0] for W, _ in layers], activation="relu")
    for p, x in zip(model.parameters(), flatten(layers).tolist()):
        p.data = x
    return model


def gradwalk_nn_stepper(X, y, layers, backend="numba"):
    """gradwalk's nn as `nn.fit` runs it: the backend's train_step with nn.hinge and nn.SGD."""
    model = gradwalk_model(layers)
    engine = nn.backends.get_backend(backend)(model, nn.hinge, ALPHA)
    optimizer = nn.SGD(model.parameters(), lr=LR)

    def params():
        engine.sync()
        return np.array([p.data for p in model.parameters()])

    return Stepper(lambda: engine.train_step(X, y, optimizer), params)


def gradwalk_tape_stepper(X, y, layers):
    """autograd.compile on its own: the per-sample hinge graph as a tape; L2 and SGD on the parameter array."""
    model = gradwalk_model(layers)
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    label = Value(0.0, label="y")
    tape = compile((1 - label * model(xs)).relu(), inputs=xs + [label], params=model.parameters())
    XY = np.column_stack([X, y])
    w = tape.param_values()

    def step():
        tape.forward(XY, params=w)
        g = tape.backward()
        g += (2 * ALPHA) * w
        w[:] -= LR * g

    return Stepper(step, lambda: w.copy())


# -- micrograd ----------------------------------------------------------------------------


def micrograd_stepper(X, y, layers):
    """micrograd 0.1.0's own nn.MLP with our weights, trained as its demo does (None if missing)."""
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    except ImportError:
        return None
    model = MLP(layers[0][0].shape[1], [W.shape[0] for W, _ in layers])
    for layer, (W, b) in zip(model.layers, layers):
        for neuron, row, bias in zip(layer.neurons, W, b):
            for w, value in zip(neuron.w, row):
                w.data = float(value)
            neuron.b.data = float(bias)
    rows, labels = X.tolist(), y.tolist()

    def step():
        scores = [model([Value(a) for a in row]) for row in rows]
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad

    return Stepper(step, lambda: np.array([p.data for p in model.parameters()]))


# -- PyTorch ------------------------------------------------------------------------------


def torch_stepper(X, y, layers, dtype="float64"):
    """nn.Sequential of Linear/ReLU with our weights, torch.optim.SGD (None if torch is missing)."""
    try:
        import torch
    except ImportError:
        return None
    dt = getattr(torch, dtype)
    modules = []
    for depth, (W, b) in enumerate(layers):
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dt)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        modules.append(linear)
        if depth < len(layers) - 1:
            modules.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*modules)
    params = list(model.parameters())
    optimizer = torch.optim.SGD(params, lr=LR)
    Xt = torch.from_numpy(X).to(dt)
    yt = torch.from_numpy(y).to(dt).reshape(-1, 1)

    def step():
        optimizer.zero_grad()
        loss = torch.relu(1 - yt * model(Xt)).mean() + ALPHA * sum((p * p).sum() for p in params)
        loss.backward()
        optimizer.step()

    def flat():
        return flatten([(lin.weight.detach().double().numpy(), lin.bias.detach().double().numpy())
                        for lin in model if isinstance(lin, torch.nn.Linear)])

    return Stepper(step, flat)


# -- numpy --------------------------------------------------------------------------------


def numpy_stepper(X, y, layers):
    """Hand-written forward and backward with matmuls, float64."""
    params = [(W.copy(), b.copy()) for W, b in layers]
    yc = y[:, None]
    n = len(X)

    def step():
        acts = [X]
        for W, b in params[:-1]:
            acts.append(np.maximum(acts[-1] @ W.T + b, 0.0))
        W, b = params[-1]
        score = acts[-1] @ W.T + b
        g = np.where(1 - yc * score > 0, -yc / n, 0.0)
        for depth in range(len(params) - 1, -1, -1):
            W, b = params[depth]
            gW, gb = g.T @ acts[depth], g.sum(0)
            if depth:
                g = (g @ W) * (acts[depth] > 0)
            W -= LR * (gW + 2 * ALPHA * W)
            b -= LR * (gb + 2 * ALPHA * b)

    return Stepper(step, lambda: flatten(params))


# -- numba by hand ------------------------------------------------------------------------


@numba.njit(fastmath=True)
def _dense_forward(W, b, H, out, relu):
    """out[i, t] = (W H + b)[i, t] over a block of samples t (the inner, vectorised loop), then ReLU if asked."""
    for i in range(W.shape[0]):
        row = out[i]
        row[:] = b[i]
        for k in range(W.shape[1]):
            w, h = W[i, k], H[k]
            for t in range(len(row)):
                row[t] += w * h[t]
        if relu:
            for t in range(len(row)):
                row[t] = max(row[t], 0.0)


@numba.njit(fastmath=True)
def _dense_backward(W, D, H, gW, gb, D_in):
    """Weight and bias grads of one layer from its output grads D; D_in = W^T D, masked where H is 0 (ReLU)."""
    for i in range(W.shape[0]):
        d = D[i]
        gb[i] += d.sum()
        for k in range(W.shape[1]):
            h, acc = H[k], 0.0
            for t in range(len(d)):
                acc += d[t] * h[t]
            gW[i, k] += acc
    if D_in.shape[0]:
        D_in[:] = 0.0
        for i in range(W.shape[0]):
            d = D[i]
            for k in range(W.shape[1]):
                w, row = W[i, k], D_in[k]
                for t in range(len(d)):
                    row[t] += w * d[t]
        for k in range(D_in.shape[0]):
            row, h = D_in[k], H[k]
            for t in range(len(row)):
                row[t] = row[t] if h[t] > 0.0 else 0.0


@numba.njit(fastmath=True, parallel=True, cache=True)
def _hinge_mlp3_grads(XT, y, W1, b1, W2, b2, W3, b3, block):
    """Mean hinge loss grads of a 2-hidden-layer ReLU MLP, samples in blocks (batch-inner), blocks in parallel."""
    n = XT.shape[1]
    n_blocks = -(-n // block)
    G = np.zeros((n_blocks, W1.size + b1.size + W2.size + b2.size + W3.size + b3.size))
    for blk in numba.prange(n_blocks):
        lo, hi = blk * block, min(n, (blk + 1) * block)
        X, m = XT[:, lo:hi], hi - lo
        H1, H2, S = np.empty((len(b1), m)), np.empty((len(b2), m)), np.empty((1, m))
        _dense_forward(W1, b1, X, H1, True)
        _dense_forward(W2, b2, H1, H2, True)
        _dense_forward(W3, b3, H2, S, False)
        D3 = np.empty_like(S)
        for t in range(m):
            D3[0, t] = -y[lo + t] / n if 1.0 - y[lo + t] * S[0, t] > 0.0 else 0.0
        D2, D1, none = np.empty_like(H2), np.empty_like(H1), np.empty((0, m))
        gW1, gb1, gW2, gb2 = np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)
        gW3, gb3 = np.zeros_like(W3), np.zeros_like(b3)
        _dense_backward(W3, D3, H2, gW3, gb3, D2)
        _dense_backward(W2, D2, H1, gW2, gb2, D1)
        _dense_backward(W1, D1, X, gW1, gb1, none)
        G[blk] = np.concatenate((gW1.ravel(), gb1, gW2.ravel(), gb2, gW3.ravel(), gb3))
    return G.sum(axis=0)


def numba_stepper(X, y, layers):
    """The same step as one hand-fused numba kernel with fastmath: a ceiling for a generic interpreter."""
    if len(layers) != 3:
        return None
    params = [(W.copy(), b.copy()) for W, b in layers]
    XT = np.ascontiguousarray(X.T)
    block = min(256, max(64, -(-len(X) // numba.get_num_threads())))

    def step():
        grads = _hinge_mlp3_grads(XT, y, *(a for pair in params for a in pair), block)
        at = 0
        for W, b in params:
            for a in (W, b):
                a -= LR * (grads[at: at + a.size].reshape(a.shape) + 2 * ALPHA * a)
                at += a.size

    return Stepper(step, lambda: flatten(params))
