"""Waiting for the numba compiler: the tour and a first nn.fit(backend="numba"), cold and warm.

A *wait* is time the user's process spends blocked on the kernels: loading the kernel
module (numba's import included) and the first call of each pair of kernels (waiting
for the background warm-up, then loading from numba's cache, or compiling). Each case runs in
a fresh process; "cold" starts from an empty GRADWALK_CACHE_DIR and NUMBA_CACHE_DIR,
"warm" runs again on the cache the cold run left. "without warm-up" is the tour as it
was before the background compile (autograd.tape.warm.start disabled), for comparison.
Wall times on a shared machine move with its load, so the load average is printed too.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in the measured process: wraps the kernel loader and first kernel calls with timers.
_RUNNER = r"""
import json, os, sys, time
began = time.perf_counter()
from autograd.tape import kernels, warm
events, depth = [], [0]

def timed(label, function):
    def call(*args, **kwargs):  # only the outermost wait counts: a first call may load the module or run others
        start = time.perf_counter()
        depth[0] += 1
        try:
            return function(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0 and time.perf_counter() - start > 0.005:
                events.append([label, time.perf_counter() - start])
    return call

kernels.load = timed("load the kernel module", kernels.load)
prepare = warm._prepare

def first_call(module, variant):  # a variant's first call: waits for the warm-up, loads from the cache, or compiles
    return timed(f"first call of the {variant} kernels", prepare)(module, variant)

warm._prepare = first_call
case, out, report = sys.argv[1], sys.argv[2], sys.argv[3]
sections = {}
if case.startswith("tour"):
    sys.path.insert(0, os.getcwd())
    import demo
    if case == "tour-without-warm-up":
        demo.warm.start = lambda: None
    for name, (title, function) in list(demo.SECTIONS.items()):
        def section(tour, function=function, name=name):
            start, cpu = time.perf_counter(), time.process_time()
            function(tour)
            sections[name] = [time.perf_counter() - start, time.process_time() - cpu]
        demo.SECTIONS[name] = (title, section)
    demo.main(["--out", out])
else:
    import nn
    X, y = nn.make_moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)
    start = time.perf_counter()
    nn.fit(model, X, y, loss="bce_with_logits", optimizer="adam", lr=0.02, epochs=300, backend="numba",
           progress=False)
    sections["first nn.fit"] = [time.perf_counter() - start, time.process_time()]
with open(report, "w") as f:
    json.dump({"events": events, "sections": sections, "total": time.perf_counter() - began,
               "cpu": time.process_time()}, f)
"""


def measure(case: str, cache: str) -> dict:
    """Run one case in a fresh process on the kernel cache in `cache`; its waits and section times."""
    with tempfile.TemporaryDirectory(prefix="gradwalk-bench-out-") as out:
        report = os.path.join(out, "report.json")
        env = {**os.environ, "GRADWALK_CACHE_DIR": cache, "NUMBA_CACHE_DIR": cache, "MPLBACKEND": "Agg"}
        env.pop("GRADWALK_NUMBA_CACHE", None)
        subprocess.run([sys.executable, "-c", _RUNNER, case, out, report], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
        with open(report) as f:
            result = json.load(f)
    _wait_for_warm_up(cache)
    return result


def _wait_for_warm_up(cache: str) -> None:
    """Block until no background compile holds a lock in `cache`, so it does not load the next case."""
    import fcntl

    for name in os.listdir(cache):
        if name.endswith(".lock"):
            with open(os.path.join(cache, name)) as f:
                fcntl.flock(f, fcntl.LOCK_EX)


def compile_by_hand(cache: str) -> tuple:
    """(wall seconds, CPU seconds of it and its warm-up processes) of `python -m autograd.tape.warm` on `cache`."""
    import resource

    env = {**os.environ, "GRADWALK_CACHE_DIR": cache, "NUMBA_CACHE_DIR": cache}
    env.pop("GRADWALK_NUMBA_CACHE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograd.tape.warm"], cwd=ROOT, env=env, check=True, stderr=subprocess.DEVNULL,
                   timeout=1800)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _row(label: str, result: dict) -> str:
    waits = [seconds for _, seconds in result["events"]]
    longest = max(result["events"], key=lambda event: event[1], default=["none", 0.0])
    return (f"| {label} | {max(waits, default=0.0):.2f} ({longest[0]}) | {sum(waits):.2f} | "
            f"{result['total']:.1f} | {result['cpu']:.1f} |")


def main():
    print("## Waiting for the numba compiler\n")
    print("Seconds the process is blocked on the kernels (module load, each kernel's first call), the whole "
          "run's wall time and its CPU time; cold = empty kernel cache, warm = the cache the cold run left.\n")
    print("| run | longest wait (where) | all waits | wall | CPU |")
    print("|---|---:|---:|---:|---:|")
    sections = {}
    for case, label in (("tour", "`python demo.py`"), ("tour-without-warm-up", "`python demo.py`, no warm-up"),
                        ("fit", "first `nn.fit(backend=\"numba\")`")):
        with tempfile.TemporaryDirectory(prefix="gradwalk-bench-cache-") as cache:
            for temperature in ("cold", "warm"):
                if case == "tour-without-warm-up" and temperature == "warm":
                    continue  # the same as the warm tour: nothing is left to compile
                load = os.getloadavg()[0]
                result = measure(case, cache)
                print(_row(f"{label}, {temperature} (load {load:.1f})", result), flush=True)
                if case.startswith("tour") and temperature == "cold":
                    sections[label] = result["sections"]
    for label, times in sections.items():
        print(f"\n{label}, cold: seconds per section, wall (CPU of the tour's process): "
              + ", ".join(f"{k} {wall:.1f} ({cpu:.1f})" for k, (wall, cpu) in times.items()))
    with tempfile.TemporaryDirectory(prefix="gradwalk-bench-cache-") as cache:
        load = os.getloadavg()[0]
        wall, cpu = compile_by_hand(cache)
    print(f"\n`python -m autograd.tape.warm` on an empty cache (load {load:.1f}): {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"(the process and its two compiling processes)")
