"""One timer for every benchmark: the best of several runs, the garbage collector as a user has it."""

import gc
import time


def best_time(work, repeats=3, number=1):
    """Seconds per call of work(): the best of `repeats` runs of `number` calls, collected before each run."""
    return min(_run(work, number) for _ in range(repeats))


def best_times_in_rounds(works: dict, repeats=5) -> dict:
    """{name: seconds per call} for several works timed in rounds, each work once per round.

    A slow spell of a shared machine then falls on every system alike, instead of on
    whichever happened to be measured during it.
    """
    numbers = {name: calls_for(work) for name, work in works.items()}
    best = dict.fromkeys(works, float("inf"))
    for _ in range(repeats):
        for name, work in works.items():
            best[name] = min(best[name], _run(work, numbers[name]))
    return best


def _run(work, number):
    """Seconds per call of `number` calls of work(), the garbage collector run just before."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        work()
    return (time.perf_counter() - start) / number


def calls_for(work, seconds=0.05):
    """How many calls of work() take about `seconds` (at least 1), so short calls are timed in bulk."""
    start = time.perf_counter()
    work()
    once = time.perf_counter() - start
    return max(1, int(seconds / max(once, 1e-9)))
