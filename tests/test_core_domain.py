"""The domain package netbox_hedgehog/core/ stays plain Python: no module of it imports django, netbox or a
service, and all of it imports without Django settings."""

import ast
import os
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / 'netbox_hedgehog' / 'core'
# Django, NetBox (and its `core` app), the models, and the services that touch the database, files or git.
FORBIDDEN = (
    'django',
    'netbox',
    'core',
    'netbox_hedgehog.models',
    *(
        f'netbox_hedgehog.gitops.{service}'
        for service in ('backup', 'health', 'index', 'ingestion', 'lock', 'repair', 'repository', 'upload')
    ),
)


def forbidden(module):
    return any(module == name or module.startswith(f'{name}.') for name in FORBIDDEN)


def imported_names(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_no_core_module_imports_django_netbox_or_a_service():
    imports = {path.name: set(imported_names(path)) for path in CORE.glob('*.py')}
    assert len(imports) > 1
    assert {
        name: sorted(module for module in modules if forbidden(module)) for name, modules in imports.items()
    } == dict.fromkeys(imports, [])


def test_every_core_module_imports_without_django_settings():
    modules = [f'netbox_hedgehog.core.{path.stem}' for path in CORE.glob('*.py') if path.stem != '__init__']
    program = (
        'import importlib, sys\n'
        f'for name in {modules!r}: importlib.import_module(name)\n'
        'from django.conf import settings\n'
        "print(settings.configured, 'netbox_hedgehog.models' in sys.modules)\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != 'DJANGO_SETTINGS_MODULE'}
    result = subprocess.run(
        [sys.executable, '-c', program],
        capture_output=True,
        text=True,
        env=environment,
        cwd=CORE.parents[1],
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, 'False False'), result.stderr
