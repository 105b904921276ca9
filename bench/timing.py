"""One timer for every benchmark: the best of several runs, the garbage collector as a user has it."""

import gc
import time


def best_time(work, repeats=3, number=1):
    """Seconds per call of work(): the best of `repeats` runs of `number` calls, collected before each run."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            work()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def calls_for(work, seconds=0.05):
    """How many calls of work() take about `seconds` (at least 1), so short calls are timed in bulk."""
    start = time.perf_counter()
    work()
    once = time.perf_counter() - start
    return max(1, int(seconds / max(once, 1e-9)))
