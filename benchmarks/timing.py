"""Timing for the benchmark scripts: the best of several runs, each from a collected heap."""

import gc
import time


def best_of(repeat, action):
    """Smallest wall time of `repeat` runs of `action`, and the last run's result.

    Each run starts from a collected heap with nothing of the previous run alive, so the garbage
    collector does the same work in every run and for every contender.
    """
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result
