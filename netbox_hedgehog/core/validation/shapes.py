"""A value of a document taken as the shape a rule expects, or as empty: rules read untrusted documents, and a
wrong shape is the structure check's finding (structure.py), not a crash of the rule that reads past it."""

__all__ = ('as_list', 'as_mapping')


def as_mapping(value):
    return value if isinstance(value, dict) else {}


def as_list(value):
    return value if isinstance(value, list) else []
