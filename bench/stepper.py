"""The backprop stepper at scale: run() and one-at-a-time stepping beside backward().

Two graphs of about 100,000 nodes (a random DAG with shared subexpressions, as in
bench/engine.py, and a deep chain), each built once; every timing starts from zeroed
grads, and the stepper's final grads are checked == backward()'s.
"""

import autograd
from bench.engine import build, chain, random_program
from bench.timing import best_time

REPEATS = 5
SLOW_REPEATS = 2


def graphs():
    """(description, root) for each graph measured, each about 100,000 nodes."""
    leaves, steps = random_program(150_000)  # the root depends on ~103,500 of the nodes
    yield "random DAG (add/mul/relu)", build(autograd.Value, leaves, steps)
    yield "chain (deep)", chain(autograd.Value, 33_333)


def measure(root):
    """Rows of (what, seconds) for one graph, after checking the stepper agrees with backward()."""
    order = autograd.topological_order(root)
    autograd.zero_grad(root)
    autograd.backward(root)
    expected = [node.grad for node in order]

    def backward():
        autograd.zero_grad(root)
        autograd.backward(root)

    def stepper_run():
        autograd.zero_grad(root)
        autograd.BackpropStepper(root).run()

    def stepper_next():
        autograd.zero_grad(root)
        for _ in autograd.BackpropStepper(root):
            pass

    stepper_run()
    if [node.grad for node in order] != expected:
        raise AssertionError("the stepper's grads differ from backward()'s")
    finished = autograd.BackpropStepper(root).run()
    return len(order), len(finished), [
        ("`backward(root)`", best_time(backward, REPEATS)),
        ("`BackpropStepper(root).run()`", best_time(stepper_run, REPEATS)),
        ("`for step in BackpropStepper(root)`", best_time(stepper_next, SLOW_REPEATS)),
        ("`stepper.to_records()` after run()", best_time(finished.to_records, SLOW_REPEATS)),
    ]


def main():
    print(f"## Stepper: ~100,000-node graphs, best of {REPEATS} ({SLOW_REPEATS} for the per-step rows)\n")
    print("Timings include zero_grad and creating the stepper; `for step in ...` builds a Step")
    print("(with its explanation text) per node. Final grads are checked == backward()'s.\n")
    print("| graph | nodes | steps | what | seconds | x backward() |")
    print("|---|---:|---:|---|---:|---:|")
    for description, root in graphs():
        nodes, steps, rows = measure(root)
        base = rows[0][1]
        for what, seconds in rows:
            print(f"| {description} | {nodes:,} | {steps:,} | {what} | {seconds:.3f} | {seconds / base:.2f}x |")


if __name__ == "__main__":
    main()
