"""Services and databases for development and tests (run by scripts/setup-dev inside .venv).

Reads the same testing/configuration.py that NetBox and pytest use, so each connection value
has one default. Reuses PostgreSQL and Redis when they answer; on a loopback address where they
do not, installs them from Debian's packages and starts them. Installs Debian's Chromium for the
browser test when it is missing and apt is there. NetBox's migrations (~4.5 min)
run once, into a template database; the dev database and every test database are clones of it.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / 'testing'))
import configuration  # noqa: E402

DB = configuration.DATABASES['default']
TEMPLATE = DB['TEST']['TEMPLATE']
REDIS = configuration.REDIS['tasks']
NETBOX_VERSION = '4.7.3'
# Written on the template only after its migrations finished: a half-migrated template is rebuilt.
TEMPLATE_MARK = f'netbox {NETBOX_VERSION} migrated'
LOOPBACK = {'127.0.0.1', 'localhost', '::1'}
# Where the browser test looks for Chromium (netbox_hedgehog/tests/test_browser.py).
CHROMIUM = os.environ.get('HEDGEHOG_CHROMIUM', '/usr/bin/chromium')


def log(message):
    print(f'==> {message}', flush=True)


def fail(message):
    sys.exit(f'devenv: {message}')


def answers(host, port):
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def wait_for(host, port, what):
    for _ in range(60):
        if answers(host, port):
            return
        time.sleep(0.5)
    fail(f'{what} did not start answering on {host}:{port}')


def apt_install(*packages):
    if not shutil.which('apt-get'):
        fail(f'{" ".join(packages)} missing and apt-get is not available: install them by hand')
    log(f'installing {" ".join(packages)} from Debian packages')
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env)
    subprocess.run(['apt-get', 'install', '-y', '-qq', *packages], check=True, env=env)


def ensure_postgres():
    host, port = DB['HOST'], DB['PORT']
    if answers(host, port):
        return
    if host not in LOOPBACK:
        fail(f'PostgreSQL at {host}:{port} does not answer (set HEDGEHOG_DB_HOST/PORT)')
    if not shutil.which('pg_ctlcluster'):
        apt_install('postgresql')
    version = sorted(os.listdir('/etc/postgresql'), key=lambda v: int(v))[-1]
    log(f'starting PostgreSQL {version}')
    # apt's own service start is blocked in containers; pg_ctlcluster works directly.
    subprocess.run(['pg_ctlcluster', '--skip-systemctl-redirect', version, 'main', 'start'], check=False)
    wait_for(host, port, 'PostgreSQL')


def ensure_redis():
    host, port = REDIS['HOST'], REDIS['PORT']
    if answers(host, port):
        return
    if host not in LOOPBACK:
        fail(f'Redis at {host}:{port} does not answer (set HEDGEHOG_REDIS_HOST/PORT)')
    if not shutil.which('redis-server'):
        apt_install('redis-server')
    log('starting Redis')
    subprocess.run(
        [
            'redis-server',
            '--daemonize',
            'yes',
            '--bind',
            '127.0.0.1',
            '-::1',
            '--port',
            str(port),
            '--save',
            '',
            '--appendonly',
            'no',
        ],
        check=True,
    )
    wait_for(host, port, 'Redis')


class Admin:
    """Runs SQL as the PostgreSQL superuser: over TCP where trust auth allows, else as the OS user."""

    def __init__(self):
        self.tcp = ['psql', '-h', DB['HOST'], '-p', str(DB['PORT']), '-U', 'postgres']
        self.local = ['runuser', '-u', 'postgres', '--', 'psql', '-p', str(DB['PORT'])]
        if not shutil.which('psql'):
            apt_install('postgresql-client')
        probe = subprocess.run([*self.tcp, '-w', '-tAc', 'SELECT 1'], capture_output=True, text=True)
        self.base = self.tcp if probe.returncode == 0 else self.local

    def query(self, sql, database='postgres'):
        result = subprocess.run(
            [*self.base, '-w', '-v', 'ON_ERROR_STOP=1', '-d', database, '-tAc', sql],
            capture_output=True,
            text=True,
        )
        if result.returncode:
            fail(f'SQL failed ({sql!r}): {result.stderr.strip()}')
        return result.stdout.strip()

    def database_exists(self, name):
        return self.query(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == '1'

    def database_comment(self, name):
        return self.query(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'")


def ensure_role(admin):
    user, password = DB['USER'], DB['PASSWORD']
    if admin.query(f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'") != '1':
        log(f'creating database role {user}')
        admin.query(f'CREATE ROLE "{user}" LOGIN CREATEDB PASSWORD \'{password}\'')
    else:
        # Test databases are created by this role: it needs CREATEDB.
        admin.query(f'ALTER ROLE "{user}" LOGIN CREATEDB')


def netbox(*args, database, plugins=True):
    env = {
        **os.environ,
        'HEDGEHOG_DB_NAME': database,
        'NETBOX_CONFIGURATION': 'configuration',
        'NETBOX_ROOT': os.environ.get('NETBOX_ROOT', str(REPO / 'var' / 'netbox')),
        'PYTHONPATH': os.pathsep.join(filter(None, [str(REPO / 'testing'), os.environ.get('PYTHONPATH')])),
    }
    if not plugins:
        env['HEDGEHOG_PLUGINS'] = ''
    subprocess.run([str(REPO / '.venv' / 'bin' / 'netbox'), *args], check=True, env=env)


def ensure_template(admin):
    user = DB['USER']
    if admin.database_exists(TEMPLATE):
        if admin.database_comment(TEMPLATE) == TEMPLATE_MARK:
            return
        log(f'template database {TEMPLATE} is incomplete: rebuilding it')
        admin.query(f'DROP DATABASE "{TEMPLATE}" WITH (FORCE)')
    admin.query(f'CREATE DATABASE "{TEMPLATE}" OWNER "{user}"')
    log(f'migrating template database {TEMPLATE} with NetBox {NETBOX_VERSION} (once; about 5 minutes)')
    # NetBox's migrations only: the plugin's are applied on each clone, so editing them never
    # leaves a stale template behind.
    netbox('migrate', '--no-input', database=TEMPLATE, plugins=False)
    admin.query(f'COMMENT ON DATABASE "{TEMPLATE}" IS \'{TEMPLATE_MARK}\'')


def ensure_dev_database(admin):
    name, user = DB['NAME'], DB['USER']
    if not admin.database_exists(name):
        log(f'creating dev database {name} from {TEMPLATE}')
        admin.query(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}" OWNER "{user}"')
    log(f'applying plugin migrations to {name}')
    netbox('migrate', '--no-input', database=name)


def ensure_chromium():
    """Debian's Chromium for the browser test, where apt can install it; without it that test is skipped."""
    if Path(CHROMIUM).exists() or not shutil.which('apt-get'):
        return
    try:
        apt_install('chromium')
    except subprocess.CalledProcessError as exc:
        log(f'chromium could not be installed ({exc}); the browser test will be skipped')


def ensure_folders():
    for folder in ('media', 'scripts', 'reports'):
        (REPO / 'var' / 'netbox' / folder).mkdir(parents=True, exist_ok=True)
    Path(configuration.PLUGINS_CONFIG['netbox_hedgehog']['gitops_root']).mkdir(parents=True, exist_ok=True)


def main():
    ensure_folders()
    ensure_postgres()
    ensure_redis()
    ensure_chromium()
    admin = Admin()
    ensure_role(admin)
    ensure_template(admin)
    if '--no-dev-db' not in sys.argv:
        ensure_dev_database(admin)
    log('development environment ready')


if __name__ == '__main__':
    main()
