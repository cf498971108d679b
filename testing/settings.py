"""Django settings for pytest-django.

pytest-django imports settings before any conftest.py runs, so the environment NetBox reads
while importing its settings is set here first.
"""

import os
import sys
from pathlib import Path

_here = Path(__file__).resolve().parent
sys.path.insert(0, str(_here))
os.environ.setdefault('NETBOX_CONFIGURATION', 'configuration')
os.environ.setdefault('NETBOX_ROOT', str(_here.parent / 'var' / 'netbox'))

from netbox.settings import *  # noqa: E402,F401,F403
