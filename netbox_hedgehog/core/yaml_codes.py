"""The findings of reading YAML (codes, severity, meaning, hint) and the limits they name. Plain Python."""

from netbox_hedgehog.core.findings import Severity

__all__ = ('MAX_DEPTH', 'MAX_EXPANDED_NODES', 'YAML_CODES')

# Deeper than any Hedgehog object (a VPC reaches 7 levels); libyaml's composer recurses in C and
# crashes the process somewhere between 10,000 and 100,000 levels, so depth is checked first.
MAX_DEPTH = 100
# A document may use anchors and aliases, but once expanded it must stay this small: aliases
# share objects, and every walk over the data (ours, json, jsonschema) would expand them.
MAX_EXPANDED_NODES = 100_000

YAML_CODES = {
    'YAML_TOO_LARGE': (
        Severity.ERROR,
        'The file is larger than the configured limit (max_file_bytes).',
        'Split the file, or raise max_file_bytes in the plugin settings.',
    ),
    'YAML_BINARY': (
        Severity.ERROR,
        'The file contains NUL bytes: it is binary, not YAML.',
        'Remove the file from raw/; only YAML files belong there.',
    ),
    'YAML_ENCODING': (Severity.ERROR, 'The file is not valid UTF-8.', 'Save the file as UTF-8.'),
    'YAML_SYNTAX': (Severity.ERROR, 'The document is not valid YAML.', 'Fix the YAML syntax at the given line.'),
    'YAML_TAB': (
        Severity.ERROR,
        'A tab is used for indentation; YAML allows only spaces.',
        'Replace the tabs at the start of the line with spaces.',
    ),
    'YAML_TOO_DEEP': (
        Severity.ERROR,
        f'The document nests deeper than {MAX_DEPTH} levels.',
        'No Hedgehog object nests this deep; check the file is what you meant to add.',
    ),
    'YAML_ALIAS_BOMB': (
        Severity.ERROR,
        f'Anchors and aliases expand to more than {MAX_EXPANDED_NODES} nodes (an alias bomb).',
        'Write the values out instead of nesting aliases.',
    ),
    'YAML_DUPLICATE_KEY': (
        Severity.ERROR,
        'A mapping repeats a key; Kubernetes rejects duplicate fields.',
        'Keep one of the entries.',
    ),
    'YAML_UNREPRESENTABLE': (
        Severity.ERROR,
        'A value or key a Kubernetes object cannot hold (objects are JSON): a timestamp, binary data, a set, '
        'a key that is not a string, infinity or NaN, a NUL or lone surrogate in text, an integer beyond 64 bits, '
        'or a collection that contains itself.',
        'Quote dates, times and keys such as on: or 1: to make them strings; remove the rest.',
    ),
    'YAML_NOT_MAPPING': (
        Severity.WARNING,
        'The document is a list or a scalar, not an object; it is kept as foreign.',
        'Hedgehog objects are mappings with apiVersion, kind and metadata.',
    ),
}
