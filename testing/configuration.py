"""NetBox configuration for development and tests.

Every value that depends on the machine comes from an environment variable with a loopback
default, so the same file serves a laptop, CI and a fresh machine.
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get('HEDGEHOG_VAR_DIR', REPO / 'var'))


def env(name, default):
    return os.environ.get(name, default)


ALLOWED_HOSTS = ['*']

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': env('HEDGEHOG_DB_NAME', 'netbox_hedgehog'),
        'USER': env('HEDGEHOG_DB_USER', 'netbox'),
        'PASSWORD': env('HEDGEHOG_DB_PASSWORD', 'netbox'),
        'HOST': env('HEDGEHOG_DB_HOST', '127.0.0.1'),
        'PORT': env('HEDGEHOG_DB_PORT', '5432'),
        'CONN_MAX_AGE': 300,
        # Test databases are cloned from a database migrated once (see scripts/setup-dev).
        'TEST': {'TEMPLATE': env('HEDGEHOG_DB_TEMPLATE', 'netbox_hedgehog_template')},
    }
}

_redis = {
    'HOST': env('HEDGEHOG_REDIS_HOST', '127.0.0.1'),
    'PORT': int(env('HEDGEHOG_REDIS_PORT', '6379')),
    'USERNAME': '',
    'PASSWORD': env('HEDGEHOG_REDIS_PASSWORD', ''),
    'SSL': False,
}
REDIS = {
    'tasks': {**_redis, 'DATABASE': int(env('HEDGEHOG_REDIS_TASKS_DB', '0'))},
    'caching': {**_redis, 'DATABASE': int(env('HEDGEHOG_REDIS_CACHING_DB', '1'))},
}

SECRET_KEY = env('HEDGEHOG_SECRET_KEY', 'dev-only-secret-key-not-for-production-0123456789abcdefghij')
API_TOKEN_PEPPERS = {1: env('HEDGEHOG_API_TOKEN_PEPPER', 'dev-only-api-token-pepper-not-for-production-0123456789')}

# scripts/devenv.py migrates the template database with NetBox alone (HEDGEHOG_PLUGINS='').
PLUGINS = [name for name in env('HEDGEHOG_PLUGINS', 'netbox_hedgehog').split(',') if name]
PLUGINS_CONFIG = {
    'netbox_hedgehog': {
        'gitops_root': env('HEDGEHOG_GITOPS_ROOT', str(VAR / 'gitops')),
    },
}

# makemigrations needs it; harmless elsewhere in a dev configuration.
DEVELOPER = True
DEBUG = env('HEDGEHOG_DEBUG', '') == '1'
DEFAULT_PERMISSIONS = {}
CENSUS_REPORTING_ENABLED = False
