"""A built wheel is complete: NetBox needs the templates and migrations at run time."""

import subprocess
import sys
import zipfile
from pathlib import Path

import netbox_hedgehog

REPO = Path(__file__).resolve().parent.parent


def test_wheel_contains_templates_migrations_and_test_data(tmp_path):
    subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps', '--wheel-dir', str(tmp_path), str(REPO)],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob('netbox_hedgehog-*.whl')
    assert wheel.name.startswith(f'netbox_hedgehog-{netbox_hedgehog.__version__}-')
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        str(path.relative_to(REPO))
        for pattern in ('templates/**/*.html', 'migrations/0*.py', 'tests/query_counts.json', 'tests/data/*.yaml')
        for path in (REPO / 'netbox_hedgehog').glob(pattern)
    }
    assert any('templates/' in name for name in expected)
    assert any('migrations/' in name for name in expected)
    assert expected <= names, sorted(expected - names)
