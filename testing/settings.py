"""Django settings for pytest-django.

pytest-django imports settings before any conftest.py runs, so the environment NetBox reads
while importing its settings is set here first. Tests get their own temporary gitops_root
(removed by conftest.py at the end), so a test run never writes into the dev trees.
"""

import os
import sys
import tempfile
from pathlib import Path

_here = Path(__file__).resolve().parent
sys.path.insert(0, str(_here))
os.environ.setdefault('NETBOX_CONFIGURATION', 'configuration')
os.environ.setdefault('NETBOX_ROOT', str(_here.parent / 'var' / 'netbox'))
os.environ['HEDGEHOG_TEST_GITOPS_ROOT'] = tempfile.mkdtemp(prefix='hedgehog-test-gitops-')
os.environ['HEDGEHOG_GITOPS_ROOT'] = os.environ['HEDGEHOG_TEST_GITOPS_ROOT']

from netbox.settings import *  # noqa: E402,F401,F403
