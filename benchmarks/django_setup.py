"""Django set-up for benchmark scripts: the dev configuration, the dev database, a throwaway gitops_root.

Benchmarks change the database only inside transactions they roll back.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup():
    sys.path.insert(0, str(REPO))
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'testing.settings')
    import django

    django.setup()
