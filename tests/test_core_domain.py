"""The domain package netbox_hedgehog/core/ imports without Django settings (what it may import: test_layers.py)."""

import os
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / 'netbox_hedgehog' / 'core'


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
