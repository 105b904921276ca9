"""fit's loop against its step: nn.fit(backend="numba") per epoch beside NumbaBackend.train_step, in one run.

MLP(2, [16, 16, 1]) with ReLU hidden layers, bce_with_logits, Adam, full batch on
make_moons. The step is what the backend does per batch; an epoch of fit adds the
bookkeeping around it (metrics, history, progress, callbacks, syncing the Values).
Also the start of a fit: from the call to the first step, the model traced and planned.
"""


import nn
from nn.batched import NumbaBackend

from .timing import best_times_in_rounds

SIZES = [16, 16, 1]
EPOCHS = 200


def _fit(X, y, epochs):
    model = nn.MLP(2, SIZES, activation="relu", seed=0)
    return lambda: nn.fit(model, X, y, loss="bce_with_logits", optimizer="adam", lr=0.01, epochs=epochs,
                          progress=False, backend="numba")


def main():
    """Print the table; return {n: (step seconds, fit seconds per epoch, fit start seconds)}."""
    print(f"## nn.fit(backend=\"numba\"): an epoch of fit beside one train_step, MLP(2, {SIZES}), full batch\n")
    print("| samples | train_step µs | fit µs per epoch | fit / step | fit start ms (1 epoch) |")
    print("|---:|---:|---:|---:|---:|")
    rows = {}
    for n in (100, 1000):
        X, y = nn.make_moons(n, seed=0)
        model = nn.MLP(2, SIZES, activation="relu", seed=0)
        backend = NumbaBackend(model, nn.bce_with_logits)
        optimizer = nn.Adam(model.parameters(), lr=0.01)
        _fit(X, y, 1)()  # the kernels compiled or loaded before timing
        times = best_times_in_rounds({
            "step": lambda: backend.train_step(X, y, optimizer),
            "fit": _fit(X, y, EPOCHS),
            "start": _fit(X, y, 1),
        })
        step, epoch, start = times["step"], times["fit"] / EPOCHS, times["start"]
        print(f"| {n:,} | {step * 1e6:,.1f} | {epoch * 1e6:,.1f} | {epoch / step:.2f}x | {start * 1e3:.1f} |")
        rows[n] = (step, epoch, start)
    return rows


if __name__ == "__main__":
    main()
