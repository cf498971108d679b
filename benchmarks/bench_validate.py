"""Benchmark: our validation against a bare YAML parse and against parse + jsonschema (upstream CRDs).

    python benchmarks/bench_validate.py [--size small|large] [--seed N] [--repeat N] [--crds DIR ...]

Generates a fabric (see generate_fabric.py) into a temporary folder, reads every file into memory
once, then times, best of --repeat runs each, on the same bytes:

- parse:      yaml.load_all with CSafeLoader, every document of every file;
- ours:       read_documents (split, safety checks, parse) + validate_set (defaults, structure,
              semantic rules and cross-object rules over the whole set);
- jsonschema: the same parse, then each Hedgehog document checked against its upstream CRD
              schema with jsonschema (validators built before timing).

Prints sizes, the three times and the ratios to parse (target for ours: <= 1.5x).
"""

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate_fabric import SIZES, write_fabric  # noqa: E402
from benchmarks.timing import best_of  # noqa: E402
from netbox_hedgehog.core import kinds  # noqa: E402
from netbox_hedgehog.core.validation import validate_set, yaml_files  # noqa: E402
from netbox_hedgehog.core.yaml_reader import read_documents  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / 'shared'
# The 12 v1beta1 kinds' CRDs and the gateway kinds' (v1alpha1), kept in two folders.
DEFAULT_CRDS = (SHARED / 'crds', SHARED / 'crds-gateway')


def crd_validators(*folders):
    """{kind name: jsonschema validator} from the CRD files in `folders`, for the version the registry
    serves (CRDs of kinds the registry does not know are skipped)."""
    import jsonschema

    validators = {}
    for path in sorted(path for folder in folders for path in Path(folder).glob('*.yaml')):
        crd = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        kind = kinds.by_kind(crd['spec']['names']['kind'])
        if kind is None:
            continue
        version = next(v for v in crd['spec']['versions'] if v['name'] == kind.version)
        validators[kind.kind] = jsonschema.Draft7Validator(version['schema']['openAPIV3Schema'])
    return validators


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', choices=sorted(SIZES), default='large')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--crds', type=Path, nargs='+', default=DEFAULT_CRDS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        stats = write_fabric(folder, args.size, args.seed)
        files = [(str(path), path.read_bytes()) for path in yaml_files([folder])]

    def parse():
        return [doc for _, data in files for doc in yaml.load_all(data, Loader=yaml.CSafeLoader)]

    def ours():
        documents = [doc for name, data in files for doc in read_documents(data, name).documents]
        return validate_set(documents)

    validators = crd_validators(*(folder for folder in args.crds if folder.is_dir()))

    def parse_and_jsonschema():
        errors = 0
        for doc in parse():
            validator = validators.get(doc.get('kind')) if isinstance(doc, dict) else None
            if validator is not None:
                errors += sum(1 for _ in validator.iter_errors(doc))
        return errors

    parse_time, documents = best_of(args.repeat, lambda: len(parse()))
    ours_time, findings = best_of(args.repeat, lambda: len(ours()))
    print(f'fabric:      {args.size} (seed {args.seed}), {stats.files} files, {documents} documents')
    print(f'bytes:       {sum(len(data) for _, data in files)}')
    print(f'parse:       {parse_time:.3f} s  (CSafeLoader, best of {args.repeat})')
    print(f'ours:        {ours_time:.3f} s  = {ours_time / parse_time:.2f}x parse  ({findings} findings)')
    if validators:
        schema_time, schema_errors = best_of(args.repeat, parse_and_jsonschema)
        print(
            f'jsonschema:  {schema_time:.3f} s  = {schema_time / parse_time:.2f}x parse  '
            f'({schema_errors} schema errors; ours is {schema_time / ours_time:.2f}x faster)'
        )
    else:
        print(f'jsonschema:  skipped (no CRDs in {", ".join(map(str, args.crds))})')


if __name__ == '__main__':
    main()
