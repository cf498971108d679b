"""Timing and memory for the benchmark scripts: the best of several runs, each from a collected heap; peak RSS."""

import gc
import tempfile
import time
from pathlib import Path


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


def reset_peak_rss():
    """Linux: writing 5 to clear_refs resets this process's peak RSS (VmHWM) to its current RSS."""
    Path('/proc/self/clear_refs').write_text('5')


def rss_mb(field):
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(f'{field}:'):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def file_creation_us(folder, count=500):
    """Microseconds to create a small file in a new folder under `folder` (as ingestion does: exclusive create,
    write, close): a figure of the machine, printed beside the ratios.

    Some file systems create files far slower for minutes after many files were deleted nearby (ext4
    without a journal passes over every recently freed inode: about 450 us a file instead of 30-60 here),
    and ingestion creates one file per document. The files are left for the caller's clean-up: removing
    them now would slow the creations measured next."""
    probe = Path(tempfile.mkdtemp(prefix='.file-creation-probe-', dir=folder))
    started = time.perf_counter()
    for number in range(count):
        (probe / f'{number}.yaml').write_bytes(b'kind: Probe\n')
    return (time.perf_counter() - started) / count * 1e6
