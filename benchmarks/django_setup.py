"""Django set-up for benchmark scripts: the dev configuration, the dev database, a throwaway gitops_root.

Benchmarks change the database only inside transactions they roll back, or delete what they created.
"""

import atexit
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup():
    sys.path.insert(0, str(REPO))
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'testing.settings')
    import django

    django.setup()
    # testing/settings.py made a temporary gitops_root for this process (pytest's conftest removes its own).
    if root := os.environ.get('HEDGEHOG_TEST_GITOPS_ROOT'):
        atexit.register(shutil.rmtree, root, ignore_errors=True)


@contextmanager
def temporary_gitops_root(prefix):
    """The plugin's gitops_root is a new temporary folder while the block runs; it is removed afterwards."""
    from django.conf import settings
    from django.test import override_settings

    with tempfile.TemporaryDirectory(prefix=prefix) as root:
        config = {**settings.PLUGINS_CONFIG['netbox_hedgehog'], 'gitops_root': root}
        with override_settings(PLUGINS_CONFIG={**settings.PLUGINS_CONFIG, 'netbox_hedgehog': config}):
            yield root
