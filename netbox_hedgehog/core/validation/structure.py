"""Per-kind spec structure: field types, required fields, enums, patterns, ranges.

The tables (crd_specs.py) are our own transcription of what the upstream CRD schemas enforce (fabric
master, July 2026), written as small data in the schema language of schema.py. Conventions shared with
the Kubernetes API server:

- a mapping value of null counts as absent (the API server prunes nulls of non-nullable fields),
  but a null list item is a type error;
- unknown fields are a warning, never an error (newer Hedgehog releases add fields);
- an integer may be written 3 or 3.0, as JSON Schema allows.
"""

from netbox_hedgehog.core.validation.crd_specs import SPECS, STATUS
from netbox_hedgehog.core.validation.schema import type_name

__all__ = ('STRUCTURAL_CODES', 'check_structure')

STRUCTURAL_CODES = frozenset(
    {'FIELD_REQUIRED', 'FIELD_TYPE', 'FIELD_ENUM', 'FIELD_PATTERN', 'FIELD_RANGE', 'METADATA_INVALID'}
)


def check_structure(kind, obj, add):
    """Check the top level and the spec of a defaulted object of registered kind `kind`."""
    for name, value in obj.items():
        if name in ('apiVersion', 'kind'):
            continue  # classification already judged them
        if value is None:
            continue
        if name == 'metadata':
            if type(value) is not dict:
                add('METADATA_INVALID', 'metadata', f'metadata must be a mapping, not {type_name(value)}.')
        elif name == 'spec':
            SPECS[kind].check(value, 'spec', add)
        elif name == 'status':
            STATUS.check(value, 'status', add)
        else:
            add('FIELD_UNKNOWN', name, f'{name} is not a top-level field of a Kubernetes object.')
