"""The whole-path fuzzer at full count: hostile files through upload, validate and ingest; prints what became of them.

    .venv/bin/python benchmarks/bench_fuzz.py [--examples 10000]

Runs the suite's own test (netbox_hedgehog/tests/test_fuzz_path.py, real NetBox test database, real
files) with --examples instead of the suite's few, new random cases each time. Prints the number of
examples run, the test's verdict (any escaped exception or lost document fails it, with the case),
how the files of the cases ended (ingested, rejected, ignored, refused at upload) and the error codes
that rejected them. The durability barriers (os.sync, fsync) are skipped unless --sync: what becomes of each
input is under test here, crash safety is bench_crash.py's.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEST = 'netbox_hedgehog/tests/test_fuzz_path.py'
DOCUMENT_ACTIONS = (
    'documents_create',
    'documents_update',
    'documents_unchanged',
    'documents_foreign',
    'documents_duplicate',
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--examples', type=int, default=10_000)
    parser.add_argument('--sync', action='store_true', help='keep the durability barriers (os.sync, fsync): slower')
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile('r', suffix='.jsonl', encoding='utf-8') as report:
        env = {**os.environ, 'HEDGEHOG_FUZZ_EXAMPLES': str(args.examples), 'HEDGEHOG_FUZZ_REPORT': report.name}
        if not args.sync:
            env['HEDGEHOG_FUZZ_NO_SYNC'] = '1'
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, '-m', 'pytest', TEST, '-q', '-x', '-p', 'no:randomly'],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
        outcomes = [json.loads(line) for line in report]
    totals = collections.Counter()
    for outcome in outcomes:
        totals.update({name: count for name, count in outcome.items() if name != 'errors'})
    codes = collections.Counter(code for outcome in outcomes for code in outcome['errors'])
    each = elapsed / max(len(outcomes), 1)
    print(f'examples run: {len(outcomes)} of {args.examples} in {elapsed:.0f} s ({each:.2f} s each)')
    print(f'verdict: {"passed (no exception escaped, no document lost)" if result.returncode == 0 else "FAILED"}')
    print(
        f'files: {totals["files"]} ({totals["files_ingest"]} ingested, {totals["files_reject"]} rejected with '
        f'findings, {totals["files_ignore"]} not YAML and left alone, {totals["refused"]} refused at upload)'
    )
    documents = ', '.join(f'{totals[name]} {name.removeprefix("documents_")}' for name in DOCUMENT_ACTIONS)
    ingested = sum(totals[name] for name in DOCUMENT_ACTIONS)
    print(
        f'documents: {totals["documents"]} written into the files; {ingested} in the files ingested '
        f'({documents}), none lost'
    )
    print('error codes that rejected files (cases):')
    for code, count in codes.most_common():
        print(f'  {count:6}  {code}')
    if result.returncode != 0:  # where it failed: the traceback's lines, each cut short (cases can be large)
        lines = [line for line in result.stdout.splitlines() if re.match(r'^(E  |\S+\.py:\d+: )', line)]
        print('\n'.join(line[:300] for line in lines[-60:]))
    return result.returncode


if __name__ == '__main__':
    sys.exit(main())
