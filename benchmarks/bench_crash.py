"""Crash safety at scale: ingestions killed with SIGKILL at many points; prints the documents lost (must be 0).

    .venv/bin/python benchmarks/bench_crash.py [--trials 200] [--seed N]

Run after `make setup` (uses the dev database; every fabric it creates is deleted at the end).
Input: the generator's small fabric. Trials kill a forked ingestion after its Nth file system
operation (N spread over the whole run) or after a random delay; each trial then checks that no
document is lost, re-runs the ingestion, and compares the end state with an uninterrupted run.
Half the trials write the output files in place, half in a forked writer (as a large run does).
"""

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from django_setup import setup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--trials', type=int, default=200)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    setup()
    from benchmarks.generate_fabric import write_fabric
    from netbox_hedgehog.models import HedgehogFabric
    from netbox_hedgehog.services import fileops
    from netbox_hedgehog.services.ingestion import ingest
    from netbox_hedgehog.tests.crash import end_state, ingest_when_unlocked, lost_documents, run_killed

    with tempfile.TemporaryDirectory() as scratch:
        write_fabric(Path(scratch), 'small', args.seed)
        inputs = {
            f'raw/{path.relative_to(scratch).as_posix()}': path.read_bytes() for path in Path(scratch).rglob('*.yaml')
        }

    prefix = f'crash-{int(time.time())}'
    fabrics = []

    def new_fabric(name):
        fabric = HedgehogFabric.objects.create(name=f'{prefix}-{name}')
        fabrics.append(fabric)
        tree = fabric.layout().path
        for path, data in inputs.items():
            (tree / path).parent.mkdir(parents=True, exist_ok=True)
            (tree / path).write_bytes(data)
        return fabric, tree

    try:
        reference, reference_tree = new_fabric('reference')
        started = time.perf_counter()
        outcome = ingest(reference, trigger='benchmark')
        duration = time.perf_counter() - started
        expected = end_state(reference, reference_tree)
        operations = 2 * len(outcome.written) + len(outcome.removed) + 1
        chance = random.Random(args.seed)
        trials = [
            {'after_operations': chance.randint(1, operations)}
            if number % 2
            else {'after_seconds': chance.uniform(0, duration * 1.2)}
            for number in range(args.trials)
        ]
        lost, killed, mismatched, forked = 0, 0, 0, 0
        in_place = fileops.FORK_MIN_FILES
        for number, trial in enumerate(trials):
            fabric, tree = new_fabric(f'trial-{number}')
            fileops.FORK_MIN_FILES = 1 if number % 4 >= 2 else in_place  # the killed child inherits it
            forked += fileops.FORK_MIN_FILES == 1
            killed += run_killed(fabric, **trial)
            fileops.FORK_MIN_FILES = in_place
            lost += len(lost_documents(tree, inputs))
            ingest_when_unlocked(fabric)
            mismatched += end_state(fabric, tree) != expected
        documents = sum(outcome.plan.counts()['documents'].values())
        print(f'input:               {len(inputs)} files, {documents} documents; {operations} file operations per run')
        print(f'trials:              {len(trials)} ({killed} killed before finishing; {forked} with a forked writer)')
        print(f'documents lost:      {lost} (must be 0)')
        print(f'end states differing from an uninterrupted run after re-run: {mismatched} (must be 0)')
    finally:
        for fabric in fabrics:
            tree = fabric.layout().path
            fabric.delete()
            shutil.rmtree(tree, ignore_errors=True)


if __name__ == '__main__':
    main()
