"""Two checkouts' numba training steps, before and after a change: `python -m bench.compare OLD NEW [--rounds N]`.

OLD and NEW are folders holding a gradwalk checkout (e.g. `git worktree add /tmp/old <commit>`),
each run with its own kernel cache. Every round times bench/tape.py's gradwalk steppers of one
checkout in a fresh process, then the other's (the order alternates), and keeps each step's
best: one process at a time, since the OpenMP threads of an idle process spin for a while and
slow whichever process runs beside them. Compare a checkout with itself to see the noise.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

CONFIGS = [((2, 16, 16, 1), 8), ((2, 16, 16, 1), 100), ((2, 16, 16, 1), 1000), ((2, 16, 16, 1), 10_000),
           ((2, 64, 64, 1), 10_000)]
_STEPPERS = ("gradwalk_nn_stepper", "gradwalk_tape_stepper")


def _worker() -> None:
    """In the checkout's process: {step: best seconds} of every stepper and size, as one line of JSON."""
    sys.path.remove(os.path.dirname(os.path.abspath(__file__)))  # the checkout's bench and nn, not this folder's
    import numpy as np

    import nn
    from bench import peers
    from bench.timing import best_time, calls_for

    times = {}
    for sizes, n in CONFIGS:
        X, y = nn.make_moons(n, noise=0.1, seed=0, labels=(-1, 1))
        layers = peers.init_layers(sizes)
        for name in _STEPPERS:
            stepper = getattr(peers, name)(np.ascontiguousarray(X), np.asarray(y, dtype=np.float64), layers)
            for _ in range(3):
                stepper.step()  # compiled, caches warm
            times[f"{name} {list(sizes[1:])}, {n:,} samples"] = best_time(stepper.step, 5, calls_for(stepper.step))
    print(json.dumps(times))


def _run(checkout: str, cache: str) -> dict:
    env = {**os.environ, "PYTHONPATH": checkout, "GRADWALK_CACHE_DIR": cache, "NUMBA_CACHE_DIR": cache}
    # This file runs in the checkout, whose own bench may be older than this module.
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker"], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"the steps of {checkout} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="folder of the checkout before the change")
    parser.add_argument("new", help="folder of the checkout after it")
    parser.add_argument("--rounds", type=int, default=6, help="rounds, each checkout once per round (default 6)")
    args = parser.parse_args(argv)
    for folder in (args.old, args.new):
        if not os.path.isfile(os.path.join(folder, "bench", "peers.py")):
            parser.error(f"{folder} holds no gradwalk checkout (no bench/peers.py); pass a checkout's folder")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    checkouts = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    best = {"old": {}, "new": {}}
    with tempfile.TemporaryDirectory(prefix="gradwalk-compare-") as caches:
        for r in range(args.rounds):
            for label in ("old", "new") if r % 2 == 0 else ("new", "old"):
                for step, seconds in _run(checkouts[label], os.path.join(caches, label)).items():
                    best[label][step] = min(best[label].get(step, seconds), seconds)
            print(f"round {r + 1} of {args.rounds}", file=sys.stderr, flush=True)
    print(f"µs per training step, best of {args.rounds} rounds: {checkouts['old']} (old), {checkouts['new']} (new)\n")
    print("| step | old | new | new / old |\n|---|---:|---:|---:|")
    for step, old in best["old"].items():
        new = best["new"].get(step)
        if new is not None:
            print(f"| {step} | {old * 1e6:,.1f} | {new * 1e6:,.1f} | {new / old:.3f} |")


if __name__ == "__main__":
    _worker() if sys.argv[1:] == ["--worker"] else main()
