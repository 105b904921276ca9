"""The numba path against PyTorch, numpy, a hand-written numba kernel, the Value path and micrograd.

Every system runs the same training step from the same weights: MLP(2, [16, 16, 1])
with ReLU hidden layers on make_moons (seed 0, noise 0.1, labels -1/+1), weights
U(-1, 1) (seed 1), biases 0, mean hinge loss + 1e-4 * sum(p^2), full-batch SGD with
lr 0.01 (bench/peers.py). After the timings, each system's parameters after the same
steps are compared with PyTorch float64's, so a fast wrong answer shows.
"""

import os
import resource
import subprocess
import sys
import tempfile

import numpy as np

import nn

from . import peers
from .timing import best_time, best_times_in_rounds

CONFIGS = [((2, 16, 16, 1), 100), ((2, 16, 16, 1), 1000), ((2, 16, 16, 1), 10_000), ((2, 64, 64, 1), 10_000)]
SLOW_UP_TO = 100  # the scalar engines (a graph per sample) run only the smallest batch
PARITY_STEPS = {"fast": 20, "slow": 3}

SYSTEMS = [  # (name, stepper, scalar engine?); PyTorch float64 first: the others are shown relative to it
    ("PyTorch float64", peers.torch_stepper, False),
    ("gradwalk numba: nn backend", peers.gradwalk_nn_stepper, False),
    ("gradwalk numba: autograd.compile", peers.gradwalk_tape_stepper, False),
    ("PyTorch float32", lambda X, y, layers: peers.torch_stepper(X, y, layers, "float32"), False),
    ("numpy float64", peers.numpy_stepper, False),
    ("numba by hand, fastmath", peers.numba_stepper, False),
    ("gradwalk Value path", lambda X, y, layers: peers.gradwalk_nn_stepper(X, y, layers, "value"), True),
    ("micrograd 0.1.0", peers.micrograd_stepper, True),
]

_FIRST_STEP = """
import sys, time; start = time.perf_counter()
import nn
from bench import peers
for n in map(int, sys.argv[1:]):
    X, y = nn.make_moons(n, seed=0, labels=(-1, 1))
    peers.gradwalk_nn_stepper(X, y, peers.init_layers((2, 16, 16, 1))).step()
print(time.perf_counter() - start)
"""
# Batches of up to 128 samples run the serial kernels, larger ones the parallel kernels: each compiles on first use.
FIRST_STEP_BATCHES = {"100 samples (one block)": (100,), "1,000 samples (several blocks)": (1000,),
                      "both": (100, 1000)}


def seconds_per_step(steppers: dict) -> dict:
    """{name: best time of one step}, after warm-up steps (compilation and first-touch excluded); timed in rounds."""
    for stepper in steppers.values():
        for _ in range(3):
            stepper.step()
    return best_times_in_rounds({name: stepper.step for name, stepper in steppers.items()}, repeats=5)


def parity(make, X, y, layers, steps):
    """max |p - p_torch64| / max |p_torch64| after `steps` steps from the same start."""
    ours, reference = make(X, y, layers), peers.torch_stepper(X, y, layers)
    if reference is None:
        return None
    for _ in range(steps):
        ours.step()
        reference.step()
    expected = reference.params()
    return float(np.abs(ours.params() - expected).max() / np.abs(expected).max())


def matmul_peak():
    """float64 GFLOP/s of numpy's matmul (BLAS, every core) on 1024 x 1024 matrices: the machine's ceiling."""
    a = np.random.default_rng(0).standard_normal((1024, 1024))
    return 2 * 1024**3 / best_time(lambda: a @ a, repeats=5) / 1e9


def first_step_times(batches=(100,)):
    """(wall, CPU) seconds to the first trained steps on `batches` in a new process: with an empty kernel cache, then filled.

    CPU seconds are the process's own, so other processes on a shared machine change them less than the wall time.
    """
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, GRADWALK_CACHE_DIR=cache, NUMBA_CACHE_DIR=cache)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        run = [sys.executable, "-c", _FIRST_STEP, *map(str, batches)]
        times = []
        for _ in ("cold", "warm"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = float(subprocess.run(run, env=env, cwd=root, check=True, capture_output=True, text=True).stdout)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            times.append((wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
        return times


def threads():
    """The thread counts each parallel peer uses."""
    import numba

    shown = f"numba {numba.get_num_threads()} threads"
    try:
        import torch

        return shown + f", PyTorch {torch.get_num_threads()} threads"
    except ImportError:
        return shown + ", PyTorch not installed"


def run_config(sizes, n):
    """Time every system on one (sizes, n); print the table; return {system: seconds per step}."""
    X, y = nn.make_moons(n, noise=0.1, seed=0, labels=(-1, 1))
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    layers = peers.init_layers(sizes)
    flops = peers.flops_per_sample(sizes) * n
    print(f"### MLP{list(sizes[1:])}, {n:,} samples ({peers.flops_per_sample(sizes):,} FLOPs per sample)\n")
    print("| system | µs per step | vs PyTorch float64 | GFLOP/s | params vs PyTorch float64 |")
    print("|---|---:|---:|---:|---:|")
    systems = [(name, make, scalar) for name, make, scalar in SYSTEMS if not (scalar and n > SLOW_UP_TO)]
    steppers = {name: make(X, y, layers) for name, make, _ in systems}
    times = seconds_per_step({name: stepper for name, stepper in steppers.items() if stepper is not None})
    for name, make, scalar in systems:
        if steppers[name] is None:
            print(f"| {name} | not installed | | | |")
            continue
        steps = PARITY_STEPS["slow" if scalar else "fast"]
        error = parity(make, X, y, layers, steps)
        torch64 = times.get("PyTorch float64")
        ratio = f"{torch64 / times[name]:.2f}x" if torch64 else "n/a"
        shown = "n/a" if error is None else f"{error:.1e} after {steps} steps"
        print(f"| {name} | {times[name] * 1e6:,.1f} | {ratio} | {flops / times[name] / 1e9:.2f} | {shown} |")
    print()
    return times


def main():
    """Print the markdown report of the tape benchmark and return its timings per configuration."""
    print("## numba path: one full-batch training step (forward, backward, SGD) in every system\n")
    print(f"{threads()}; numpy float64 matmul peak {matmul_peak():.1f} GFLOP/s. \"vs PyTorch float64\" is "
          "PyTorch's time over the system's (above 1: faster). Best of 5 rounds after 3 warm-up steps; each "
          "round times every system once, so a slow spell of the machine falls on all of them.\n")
    results = {(sizes, n): run_config(sizes, n) for sizes, n in CONFIGS}
    print("First training steps in a new process (import, compile or load the kernels, build, step), "
          "with an empty kernel cache (a fresh GRADWALK_CACHE_DIR) and then with it filled:\n")
    print("| batches | cold: wall s | cold: CPU s | warm: wall s | warm: CPU s |\n|---|---:|---:|---:|---:|")
    for name, batches in FIRST_STEP_BATCHES.items():
        (cold, cold_cpu), (warm, warm_cpu) = first_step_times(batches)
        print(f"| {name} | {cold:.1f} | {cold_cpu:.1f} | {warm:.2f} | {warm_cpu:.2f} |")
    print()
    return results


if __name__ == "__main__":
    main()
