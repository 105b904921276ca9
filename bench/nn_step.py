"""One training step of micrograd's demo, gradwalk's nn beside micrograd in the same run.

The step: MLP(2, [16, 16, 1]) with ReLU hidden layers on make_moons, forward every
sample, hinge loss + 1e-4 * sum(p^2), zero grads, backward, SGD update. gradwalk
runs it as `fit` does (ValueBackend.loss_and_grads, then SGD.step); micrograd runs
its demo notebook's code. GC is enabled, as a user has it: micrograd's closures make
every graph a reference cycle that only the cyclic collector frees. gradwalk's graphs
have no cycles, so its backend pauses the cyclic collector during a step; the
"collector on" column shows the same step without that pause.
"""

import nn
from nn.backends import ValueBackend

from .timing import best_time

STEPS = 3  # steps per timing, so freeing each graph is counted
REPEATS = 3
ALPHA = 1e-4


def gradwalk_stepper(X, y, pause_gc=True):
    """A function running one gradwalk training step."""
    model = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=0)
    backend = ValueBackend(model, nn.hinge, ALPHA, pause_gc=pause_gc)
    optimizer = nn.SGD(model.parameters(), lr=0.1)

    def step():
        backend.loss_and_grads(X, y)
        optimizer.step()

    return step


def micrograd_stepper(X, y):
    """A function running one step of micrograd's demo (None when micrograd is not installed)."""
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    except ImportError:
        return None
    model = MLP(2, [16, 16, 1])
    rows, labels = X.tolist(), y.tolist()

    def step():
        inputs = [list(map(Value, row)) for row in rows]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad

    return step


def steps_per_second(step):
    """Best of REPEATS timings of STEPS consecutive steps, as steps/s ("RecursionError" when it overflows)."""
    if step is None:
        return None
    try:
        return 1.0 / best_time(step, REPEATS, STEPS)
    except RecursionError:
        return "RecursionError"


def main():
    """Print the markdown table and return its rows (n, gradwalk, gradwalk collector on, micrograd or reason)."""
    print(f"## nn: one training step, MLP(2, [16, 16, 1]) hinge + {ALPHA:g} L2 + SGD on moons, "
          f"best of {REPEATS} x {STEPS} steps, GC enabled\n")
    print("| samples | gradwalk steps/s | gradwalk, collector on | micrograd steps/s | ratio |")
    print("|---:|---:|---:|---:|---:|")
    rows = []
    for n in (100, 1000):
        X, y = nn.make_moons(n, seed=0, labels=(-1, 1))
        ours = steps_per_second(gradwalk_stepper(X, y))
        ours_gc = steps_per_second(gradwalk_stepper(X, y, pause_gc=False))
        theirs = steps_per_second(micrograd_stepper(X, y))
        if isinstance(theirs, float):
            shown, ratio = f"{theirs:.2f}", f"{ours / theirs:.2f}x"
        else:
            shown, ratio = theirs or "not installed", "n/a"
        print(f"| {n:,} | {ours:.2f} | {ours_gc:.2f} | {shown} | {ratio} |")
        rows.append((n, ours, ours_gc, theirs))
    return rows


if __name__ == "__main__":
    main()
