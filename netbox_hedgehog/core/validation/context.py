"""Collecting one document's findings, with the line of the offending field where it can be found.

Rules report `(code, path, message)`; severity and hint come from the CODES table. Field lines
are looked up only when a document has findings (composing its text again is cheap next to
validating thousands of clean documents).
"""

import re

import yaml

from netbox_hedgehog.core.findings import Finding
from netbox_hedgehog.core.validation.codes import CODES
from netbox_hedgehog.core.yaml_reader import compose

__all__ = ('DocumentCheck', 'locate')


class DocumentCheck:
    """One document under validation: what it is, its defaulted object and its findings so far.

    `classified` is its classification, `obj` the defaulted object (None for foreign documents),
    `references` the objects it refers to once the cross-object rules looked (reference_table.Reference);
    `findings()` turns the collected issues into Finding objects.
    """

    __slots__ = ('classified', 'document', 'issues', 'obj', 'references')

    def __init__(self, document, classified, obj=None):
        self.document = document
        self.classified = classified
        self.obj = obj
        self.references = ()
        self.issues = []

    def add(self, code, path, message, hint=None):
        self.issues.append((code, path, message, hint))

    def findings(self):
        document = self.document
        root = None
        result = []
        for code, path, message, hint in self.issues:
            line = document.line
            if path:
                if root is None:
                    root = compose(document.text) or False
                if root:
                    found = locate(root, path)
                    if found is not None:
                        line = document.text_line + found
            severity, _, default_hint = CODES[code]
            result.append(
                Finding(
                    severity,
                    code,
                    _without_path(message, path),
                    file=document.file,
                    line=line,
                    document=document.index,
                    path=path,
                    hint=default_hint if hint is None else hint,
                )
            )
        return result


def _without_path(message, path):
    """The message without the field path a finding shows beside it: a message opening with the path
    (written so for the rules' own reading) names only the field's last part."""
    if path and message.startswith(path) and path != 'spec':
        return re.split(r'\.(?![^\[]*\])', path)[-1] + message[len(path) :]
    return message


def locate(root, path):
    """0-based line of the deepest node of `path` (like spec.subnets.subnet-1.vlan) found in `root`.

    Keys may themselves contain dots (annotation names, port names): at each mapping the longest
    key matching the rest of the path wins.
    """
    node, rest, line = root, path, None
    while rest:
        if isinstance(node, yaml.SequenceNode):
            match = re.match(r'\[(\d+)\]', rest)
            if not match or int(match.group(1)) >= len(node.value):
                break
            node = node.value[int(match.group(1))]
            rest = rest[match.end() :]
        elif isinstance(node, yaml.MappingNode):
            rest = rest.removeprefix('.')
            best = None
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key and rest.startswith(key) and (len(rest) == len(key) or rest[len(key)] in '.['):
                    if best is None or len(key) > len(best[0]):
                        best = (key, key_node, value_node)
            if best is None:
                break
            key, key_node, node = best
            rest = rest[len(key) :]
            line = key_node.start_mark.line
            continue
        else:
            break
        line = node.start_mark.line
    return line
