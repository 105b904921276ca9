"""Engine throughput: build and back-propagate big graphs, gradwalk beside micrograd.

Same programs on both engines, the garbage collector enabled as a user has it.
"""

import random

import autograd

from .timing import best_time

N = 100_000
REPEATS = 3


def random_program(n, window=1000, seed=0):
    """n steps of (op, i, j), operands drawn from the last `window` nodes: shared subexpressions."""
    rng = random.Random(seed)
    leaves = [rng.uniform(0.5, 1.5) for _ in range(100)]
    steps = []
    for t in range(n):
        available = len(leaves) + t
        low = max(0, available - window)
        op = rng.choice(("add", "mul", "relu"))
        steps.append((op, rng.randrange(low, available), rng.randrange(low, available)))
    return leaves, steps


def pairwise_sum(nodes):
    """Sum as a balanced tree, so the root is shallow enough for recursive engines."""
    while len(nodes) > 1:
        nodes = [a + b for a, b in zip(nodes[::2], nodes[1::2])] + ([nodes[-1]] if len(nodes) % 2 else [])
    return nodes[0]


def build(value_class, leaves, steps, window=1000):
    """Run the program, then sum the last `window` nodes so the root depends on most of it."""
    nodes = [value_class(x) for x in leaves]
    for op, i, j in steps:
        a, b = nodes[i], nodes[j]
        nodes.append(a + b if op == "add" else a * b if op == "mul" else a.relu())
    return pairwise_sum(nodes[-window:])


def chain(value_class, n):
    x = value_class(0.5)
    y = x
    for _ in range(n):
        y = y * 0.999 + x
    return y


def timed(work):
    """Best wall time of REPEATS runs of work() (which builds, runs backward, and drops the graph); None on RecursionError."""
    try:
        return best_time(work, REPEATS)
    except RecursionError:
        return None


def main():
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        MicrogradValue = None
    leaves, steps = random_program(N)
    chain_nodes = 3 * N + 1  # each step: a constant, a mul and an add

    def workload(value_class, which):
        if which == "random":
            return lambda: build(value_class, leaves, steps).backward()
        return lambda: chain(value_class, N).backward()

    print(f"## Engine: build + backward, {N:,}-step graphs, GC enabled, best of {REPEATS}\n")
    print("| graph | nodes | gradwalk nodes/s | micrograd nodes/s | ratio |")
    print("|---|---:|---:|---:|---:|")
    for which, nodes in (("random DAG (add/mul/relu)", len(leaves) + N + 999), ("chain (deep)", chain_nodes)):
        key = "random" if which.startswith("random") else "chain"
        ours = timed(workload(autograd.Value, key))
        theirs = timed(workload(MicrogradValue, key)) if MicrogradValue else None
        ours_rate = nodes / ours
        if theirs is None:
            reason = "RecursionError" if MicrogradValue else "not installed"
            print(f"| {which} | {nodes:,} | {ours_rate:,.0f} | {reason} | n/a |")
        else:
            print(f"| {which} | {nodes:,} | {ours_rate:,.0f} | {nodes / theirs:,.0f} | {theirs / ours:.2f}x |")


if __name__ == "__main__":
    main()
