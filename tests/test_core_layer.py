"""The domain package (netbox_hedgehog/core/) stays plain Python: it imports the standard library, PyYAML and
itself, never Django, NetBox or the services and adapters, so it imports and is tested without Django settings."""

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / 'netbox_hedgehog' / 'core'


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # A relative import stays inside the package.
            yield 'netbox_hedgehog.core' if node.level else node.module


def test_the_domain_package_imports_only_the_standard_library_pyyaml_and_itself():
    allowed = set(sys.stdlib_module_names) | {'yaml'}
    for path in sorted(CORE.rglob('*.py')):
        for module in imported_modules(path):
            top = module.split('.')[0]
            assert top in allowed or module.startswith('netbox_hedgehog.core'), f'{path.name} imports {module}'
