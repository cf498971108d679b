"""Project-wide pytest set-up (the Django settings themselves come from testing/settings.py)."""

import os
import shutil

import pytest


@pytest.fixture(scope='session', autouse=True)
def _remove_session_gitops_root():
    # testing/settings.py points gitops_root at a fresh temporary folder for the whole run.
    yield
    root = os.environ.get('HEDGEHOG_TEST_GITOPS_ROOT')
    if root:
        shutil.rmtree(root, ignore_errors=True)
