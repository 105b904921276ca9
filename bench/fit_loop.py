"""nn.fit's loop against its step: what an epoch of fit(backend="numba") costs beyond the backend's train_step.

MLP(2, [16, 16, 1]) on make_moons, full-batch SGD, hinge loss. "step" is the backend's
train_step alone; "fit epoch" is one epoch of nn.fit (the step plus the loop's
bookkeeping: metrics, history, syncing Values); "second fit set-up" is what a fit on a
model that was already fitted spends before its first epoch. Timed in interleaved rounds.
"""

import nn
from nn.backends import get_backend

from .timing import best_times_in_rounds

SIZES = (200, 1000)
EPOCHS = 50


def _data(n):
    X, y = nn.make_moons(n, noise=0.1, seed=0, labels=(-1, 1))
    return X, y


def _model():
    return nn.MLP(2, [16, 16, 1], activation="relu", seed=1)


def step_work(X, y):
    """One train_step of the numba backend, as fit calls it."""
    model = _model()
    backend = get_backend("numba")(model, nn.hinge, 0.0)
    optimizer = nn.SGD(model.parameters(), lr=0.01)
    return lambda: backend.train_step(X, y, optimizer)


def fit_work(X, y, epochs):
    """nn.fit for `epochs` epochs on a model that was already fitted once (its set-up is the second fit's)."""
    model = _model()
    nn.fit(model, X, y, loss="hinge", optimizer="sgd", lr=0.01, epochs=1, backend="numba", progress=False)
    return lambda: nn.fit(model, X, y, loss="hinge", optimizer="sgd", lr=0.01, epochs=epochs, backend="numba",
                          progress=False)


def main():
    print("## nn.fit's loop against its step, MLP(2,[16,16,1]), numba backend, full batch, best of 5 rounds\n")
    print(f"An epoch of fit is (fit of {2 * EPOCHS} epochs - fit of {EPOCHS}) / {EPOCHS}; the set-up is what a fit of "
          f"{EPOCHS} epochs spends beyond {EPOCHS} such epochs.\n")
    print("| samples | train_step (µs) | fit epoch (µs) | epoch / step | set-up of a second fit (ms) |")
    print("|---:|---:|---:|---:|---:|")
    for n in SIZES:
        X, y = _data(n)
        times = best_times_in_rounds({"step": step_work(X, y), "short": fit_work(X, y, EPOCHS),
                                      "long": fit_work(X, y, 2 * EPOCHS)}, repeats=5)
        epoch = (times["long"] - times["short"]) / EPOCHS
        setup = times["short"] - EPOCHS * epoch
        print(f"| {n:,} | {times['step'] * 1e6:,.0f} | {epoch * 1e6:,.0f} | {epoch / times['step']:.2f} | "
              f"{setup * 1e3:,.1f} |")


if __name__ == "__main__":
    main()
