"""The whole path fuzzed: hostile files through upload, `hedgehog validate` and ingestion, on a real tree.

Shared by the test (`test_fuzz_path.py`, a hundred examples in the suite) and
`benchmarks/bench_fuzz.py` (the same test with ten thousand and more). A case (fuzz_cases.py) is one to
six hostile files, each added by upload or dropped straight into raw/. `check_case` runs it and asserts what
must hold whatever the input:

- no exception escapes upload (a refusal is `UploadRefused`), validation or ingestion;
- every raw file is ingested or stays in raw/ byte for byte with at least one finding naming it;
- nothing is lost: every document of a file that left raw/ is in managed/ or unmanaged/ (the crash
  harness's `lost_documents`); every managed file has its index row and every row its file;
- the run is recorded (completed, or completed with rejections), and a second run changes nothing;
- an upload that says "ingestible" is ingested when it is alone in raw/ (upload never promises what
  ingestion refuses), and a file in which `hedgehog validate` finds an error of a document on its own
  is never ingested (the same rule everywhere).
"""

import io
import json
import os
import shutil

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.cli import validate as validate_command
from netbox_hedgehog.core.tree import shown_name
from netbox_hedgehog.core.yaml_reader import YAML_CODES
from netbox_hedgehog.models import HedgehogResource
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.upload import UploadRefused, add_raw_file
from netbox_hedgehog.tests.crash import lost_documents

__all__ = ('check_case', 'reset_tree')

# Errors of a document on its own, whatever the files beside it: a file `hedgehog validate` finds one in is never
# ingested. (Errors across documents may differ: ingestion does not read a file whose name is not UTF-8, say.)
DOCUMENT_ERRORS = frozenset(code for code, (severity, *_) in YAML_CODES.items() if severity == 'error') | {
    'METADATA_INVALID', 'NAME_MISSING', 'NAME_INVALID', 'NAME_TOO_LONG', 'NAMESPACE_INVALID',
    'FIELD_REQUIRED', 'FIELD_TYPE', 'FIELD_ENUM', 'FIELD_PATTERN', 'FIELD_RANGE',
}  # fmt: skip


def reset_tree(tree):
    """The fabric's tree as onboarding left it: raw/, managed/<kind>/ and unmanaged/ empty but for .gitkeep."""
    folders = [tree / 'raw', tree / 'unmanaged', *(path for path in (tree / 'managed').iterdir() if path.is_dir())]
    for folder in folders:
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            elif entry.name != '.gitkeep':
                entry.unlink()
    for entry in (tree / 'managed').iterdir():
        if not entry.is_dir():
            entry.unlink()
    for name in ('ingestions.jsonl', 'replaced'):
        path = tree / '.hnp' / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def check_case(test, fabric, tree, case):
    """Run one case through upload, validate and ingest; assert the invariants; what became of it (a dict of
    counts and the error codes that kept files in raw/), for the benchmark's figures."""
    inputs, uploads, refused, documents = _add_files(test, fabric, tree / 'raw', case)
    refused_by_validate = _validate_command(test, tree)
    outcome = ingest(fabric, trigger='fuzz')
    run = outcome.run
    if run is None:  # nothing to ingest or reject (every file refused or ignored): no run is recorded
        test.assertFalse(outcome.plan.ingested or outcome.plan.rejected)
        findings = [finding.as_dict() for finding in outcome.all_findings()]
    else:
        run.refresh_from_db()
        test.assertIn(run.status, (IngestionStatusChoices.COMPLETED, IngestionStatusChoices.REJECTED), run.error)
        findings = run.findings
        json.dumps(run.findings), json.dumps(run.provenance)

    named = {finding['file'] for finding in findings}
    for path, data in inputs.items():
        kept = tree / path
        if kept.exists():
            test.assertEqual(kept.read_bytes(), data, f'{path!r} changed in raw/')
            test.assertIn(shown_name(path), named, f'{path!r} stayed in raw/ without a finding')
        else:
            test.assertIn(path, outcome.removed)
            test.assertNotIn(shown_name(path), refused_by_validate, f'validate found {path!r} bad; ingestion took it')
    test.assertEqual(lost_documents(tree, inputs), [])
    outputs = (tree / 'managed').rglob('*')
    managed = {path.relative_to(tree).as_posix() for path in outputs if path.is_file() and path.name != '.gitkeep'}
    indexed = set(HedgehogResource.objects.filter(fabric=fabric).values_list('managed_path', flat=True))
    test.assertEqual(managed, indexed)

    for ingestible, path in uploads:
        if ingestible and len(inputs) == 1:
            test.assertIn(path, outcome.removed, 'upload said ingestible; ingestion kept it in raw/')

    if outcome.written:  # a run that wrote nothing has nothing a second run could rewrite
        again = ingest(fabric, trigger='fuzz-again')
        test.assertEqual(again.written, [], 'a second run rewrote outputs')
    return _figures(outcome, len(inputs) + refused, documents, refused)


def _add_files(test, fabric, raw, case):
    """The case's files uploaded or dropped into `raw`: ({tree path: bytes} of those in raw/ now, (ingestible,
    path) of each accepted upload, how many uploads were refused, how many documents the files added or refused
    held)."""
    inputs, uploads, refused, documents = {}, [], 0, 0
    for how, name, data, written in case:
        if how == 'upload':
            try:
                upload = add_raw_file(fabric, name, data)
            except UploadRefused as refusal:
                test.assertTrue(str(refusal))
                refused += 1
                documents += written
                continue
            uploads.append((upload.ingestible, upload.path))
            inputs[upload.path] = data
        else:
            path = raw / os.fsdecode(name)
            if path.exists():
                continue  # the same name drawn twice
            path.write_bytes(data)
            inputs[f'raw/{os.fsdecode(name)}'] = data
        documents += written
    return inputs, uploads, refused, documents


def _validate_command(test, tree):
    """`hedgehog validate raw/` as a terminal gets it (UTF-8, strict): a table, then JSON; the tree-relative
    names of the files it found a document's own error in (as `shown_name` shows them)."""
    for options in ({'paths': [str(tree / 'raw')]}, {'paths': [str(tree / 'raw')], 'json': True}):
        out = io.TextIOWrapper(io.BytesIO(), encoding='utf-8')
        code = validate_command.run(options, out)
        out.flush()
        test.assertIn(code, (0, 1))
    report = json.loads(out.buffer.getvalue())
    prefix = f'{tree}/'
    return {f['file'].removeprefix(prefix) for f in report['findings'] if f['code'] in DOCUMENT_ERRORS}


def _figures(outcome, files, documents, refused):
    counts = outcome.plan.counts()
    return {
        'files': files,
        'documents': documents,
        'refused': refused,  # at upload, before anything was written
        **{f'files_{action}': count for action, count in counts['files'].items()},
        **{f'documents_{action}': count for action, count in counts['documents'].items()},
        'errors': sorted({f.code for f in outcome.plan.findings() if f.severity == 'error'}),
    }
