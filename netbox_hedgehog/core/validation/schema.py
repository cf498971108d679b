"""The small schema language the CRD tables of crd_specs.py are written in: strings (with an enum or a
pattern), integers (with a range), booleans, mappings and lists. Each schema's `check(value, path, add)`
reports what is wrong through `add(code, path, message)`; see structure.py for the conventions shared with
the Kubernetes API server.
"""

import re

__all__ = ('BOOL', 'INT', 'STR', 'Anything', 'Arr', 'Bool', 'Int', 'Obj', 'Str', 'type_name')


class Str:
    __slots__ = ('enum', 'pattern')

    def __init__(self, enum=None, pattern=None):
        self.enum = enum
        self.pattern = re.compile(pattern) if pattern else None

    def check(self, value, path, add):
        if type(value) is not str:
            add('FIELD_TYPE', path, f'{path} must be a string, not {type_name(value)}.')
        elif self.enum is not None and value not in self.enum:
            add('FIELD_ENUM', path, f'{path} is {value!r}; allowed: {", ".join(self.enum)}.')
        elif self.pattern is not None and self.pattern.search(value) is None:
            add('FIELD_PATTERN', path, f'{path} {value!r} does not match {self.pattern.pattern}.')


class Int:
    __slots__ = ('maximum', 'minimum')

    def __init__(self, minimum=None, maximum=None):
        self.minimum, self.maximum = minimum, maximum

    def check(self, value, path, add):
        kind = type(value)
        if kind is not int and not (kind is float and value.is_integer()):
            add('FIELD_TYPE', path, f'{path} must be an integer, not {type_name(value)}.')
        elif (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            add('FIELD_RANGE', path, f'{path} is {value}; allowed: {self.minimum}..{self.maximum}.')


class Bool:
    __slots__ = ()

    def check(self, value, path, add):
        if type(value) is not bool:
            add('FIELD_TYPE', path, f'{path} must be true or false, not {type_name(value)}.')


class Obj:
    """A mapping with known `fields` (name -> schema), or with any keys mapping to `values`."""

    __slots__ = ('fields', 'required', 'values')

    def __init__(self, fields=None, required=(), values=None):
        self.fields = fields or {}
        self.required = required
        self.values = values

    def check(self, value, path, add):
        if type(value) is not dict:
            add('FIELD_TYPE', path, f'{path} must be a mapping, not {type_name(value)}.')
            return
        for name in self.required:
            if value.get(name) is None:
                add('FIELD_REQUIRED', f'{path}.{name}', f'{path}.{name} is required.')
        fields, values = self.fields, self.values
        for name, item in value.items():
            if item is None:
                continue
            schema = fields.get(name) or values
            if schema is None:
                add('FIELD_UNKNOWN', f'{path}.{name}', f'{path}.{name} is not a field of this kind.')
            else:
                schema.check(item, f'{path}.{name}', add)


class Arr:
    __slots__ = ('items', 'max_items', 'min_items')

    def __init__(self, items, min_items=None, max_items=None):
        self.items, self.min_items, self.max_items = items, min_items, max_items

    def check(self, value, path, add):
        if type(value) is not list:
            add('FIELD_TYPE', path, f'{path} must be a list, not {type_name(value)}.')
            return
        count = len(value)
        if (self.min_items is not None and count < self.min_items) or (
            self.max_items is not None and count > self.max_items
        ):
            add('FIELD_RANGE', path, f'{path} has {count} items; allowed: {self.min_items}..{self.max_items}.')
        items = self.items
        for position, item in enumerate(value):
            if item is None:
                add('FIELD_TYPE', f'{path}[{position}]', f'{path}[{position}] is null.')
            else:
                items.check(item, f'{path}[{position}]', add)


def type_name(value):
    """How a message names the type of `value` ('a mapping', 'null', ...)."""
    if value is None:
        return 'null'
    return {dict: 'a mapping', list: 'a list', str: 'a string', bool: 'a boolean', int: 'an integer'}.get(
        type(value), type(value).__name__
    )


class Anything:
    """Any value at all (what the cluster owns, such as status)."""

    __slots__ = ()

    def check(self, value, path, add):
        pass


STR, INT, BOOL = Str(), Int(), Bool()
