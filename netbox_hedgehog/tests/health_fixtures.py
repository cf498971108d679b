"""A healthy ingested fabric, and the ways to break its tree, shared by the health and repair tests."""

import os
import shutil
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

from core.choices import JobStatusChoices
from core.models import Job
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.core.tree import render_manifest
from netbox_hedgehog.health_jobs import HealthCheckJob
from netbox_hedgehog.models import HedgehogFabric, IngestionRun
from netbox_hedgehog.services import staging
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import lock_holder
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.git_helpers import Person, git, make_bare_repository
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, hold_lock_elsewhere


def vpc(name, vlan=1010, subnet='10.0.10.0/24'):
    return samples.VPC.replace('vpc-1', name).replace('10.0.1.0/24', subnet).format(vlan=vlan)


def files(tree):
    """{relative path: bytes} of every file under `tree` (the user's content, for byte comparisons)."""
    return {
        path.relative_to(tree).as_posix(): path.read_bytes()
        for path in sorted(Path(tree).rglob('*'))
        if path.is_file() and not path.is_symlink()
    }


def aborted_transaction_id():
    """The id of a transaction of another session that rolled back (the test's own never ends)."""
    other = connections.create_connection('default')
    try:
        with other.cursor() as cursor:
            cursor.execute('BEGIN')
            cursor.execute('SELECT pg_current_xact_id()::text')
            xid = cursor.fetchone()[0]
            cursor.execute('ROLLBACK')
    finally:
        other.close()
    return xid


class HealthyFabricMixin(TemporaryGitopsRootMixin):
    """Fabric dc1 with namespaces, switch, server, connection, VPC and attachment ingested: a healthy tree."""

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.tree = self.gitops_root / 'dc1'
        self.drop('namespaces.yaml', samples.NAMESPACES)
        self.drop('wiring.yaml', samples.WIRING)
        self.drop('vpcs.yaml', samples.vpc() + '---\n' + samples.ATTACHMENT)
        ingest(self.fabric, trigger='test')
        self.fabric.refresh_from_db()

    def drop(self, name, text):
        path = self.tree / 'raw' / name
        path.write_text(text)
        return path

    def write(self, relative, text):
        path = self.tree / relative
        path.write_text(text)
        return path

    def report(self):
        return check_fabric(self.fabric)

    def run_job(self):
        """Run the scheduled health check now: (its Job, its log lines)."""
        with self.assertLogs('netbox.jobs.HealthCheckJob', 'INFO') as logs:
            job = HealthCheckJob.enqueue(immediate=True)
        job.refresh_from_db()
        self.fabric.refresh_from_db()
        return job, logs.output

    def codes(self):
        return {finding.code for finding in self.report().findings}

    def plugin_settings(self, **values):
        config = {**settings.PLUGINS_CONFIG['netbox_hedgehog'], **values}
        override = override_settings(PLUGINS_CONFIG={**settings.PLUGINS_CONFIG, 'netbox_hedgehog': config})
        override.enable()
        self.addCleanup(override.disable)

    def make_read_only(self, directory):
        """Read-only even for root: chattr +i (root ignores mode bits), chmod for anyone else."""
        if os.geteuid() != 0:
            directory.chmod(0o555)
            self.addCleanup(directory.chmod, 0o755)
            return
        if subprocess.run(['chattr', '+i', str(directory)], capture_output=True).returncode:
            self.skipTest('chattr +i is not available here')
        self.addCleanup(subprocess.run, ['chattr', '-i', str(directory)], check=True)

    # --- one way to break the tree per finding code; each test starts from the healthy tree -------

    def break_HEALTH_TREE_UNSAFE(self):
        HedgehogFabric.objects.filter(pk=self.fabric.pk).update(gitops_path='dc1/../elsewhere')
        self.fabric.refresh_from_db()

    def break_HEALTH_TREE_MISSING(self):
        shutil.rmtree(self.tree)

    def break_HEALTH_TREE_STAGED(self):
        # The creation's move into place failed: the tree still waits under its staging name.
        os.rename(self.tree, self.gitops_root / staging.staging_name(self.fabric.name, aborted_transaction_id()))

    def break_HEALTH_STAGING_LEFTOVER(self):
        # A creation of fabric `gone` whose process died mid-transaction (which PostgreSQL then aborted).
        leftover = self.gitops_root / staging.staging_name('gone', aborted_transaction_id())
        (leftover / '.hnp').mkdir(parents=True)
        (leftover / '.hnp' / 'manifest.yaml').write_text(render_manifest('gone', 999999))

    def break_HEALTH_DIR_MISSING(self):
        shutil.rmtree(self.tree / 'managed' / 'externals')
        shutil.rmtree(self.tree / 'unmanaged')

    def break_HEALTH_DIR_NOT_DIRECTORY(self):
        shutil.rmtree(self.tree / 'unmanaged')
        self.write('unmanaged', 'a file where a directory belongs')

    def break_HEALTH_SYMLINK(self):
        """.hnp/ swapped for a link to a folder outside the tree holding a manifest naming this very fabric."""
        outside = self.gitops_root.parent / f'{self.gitops_root.name}-outside'
        shutil.copytree(self.tree / '.hnp', outside)
        self.addCleanup(shutil.rmtree, outside, ignore_errors=True)
        shutil.rmtree(self.tree / '.hnp')
        (self.tree / '.hnp').symlink_to(outside)

    def break_HEALTH_DIR_NOT_WRITABLE(self):
        self.make_read_only(self.tree / 'raw')

    def break_HEALTH_MANIFEST_MISSING(self):
        (self.tree / '.hnp' / 'manifest.yaml').unlink()

    def break_HEALTH_MANIFEST_INVALID(self):
        self.write('.hnp/manifest.yaml', 'format_version: [unclosed\n')

    def break_HEALTH_MANIFEST_FOREIGN(self):
        self.write('.hnp/manifest.yaml', render_manifest('other', self.fabric.pk + 1000))

    def break_HEALTH_MANIFEST_OUTDATED(self):
        self.write('.hnp/manifest.yaml', render_manifest('old-name', self.fabric.pk))

    def break_HEALTH_MANAGED_UNPARSABLE(self):
        self.write('managed/vpcs/broken.yaml', 'apiVersion: [unclosed\n')

    def break_HEALTH_MANAGED_DOCUMENT_COUNT(self):
        self.write('managed/vpcs/two.yaml', vpc('vpc-2') + '---\n' + vpc('vpc-3', 1030, '10.0.30.0/24'))

    def break_HEALTH_MANAGED_FOREIGN(self):
        self.write('managed/vpcs/gw.yaml', 'apiVersion: gateway.githedgehog.com/v1alpha1\nkind: VPCInfo\n')

    def break_HEALTH_MANAGED_INVALID(self):
        self.write('managed/vpcs/vpc-2.yaml', vpc('vpc-2', vlan=5000))

    def break_HEALTH_MANAGED_WRONG_DIR(self):
        self.write('managed/switches/vpc-3.yaml', vpc('vpc-3', 1030, '10.0.30.0/24'))

    def break_HEALTH_MANAGED_NAME_MISMATCH(self):
        self.write('managed/vpcs/my-vpc.yaml', vpc('vpc-4', 1040, '10.0.40.0/24'))

    def break_HEALTH_MANAGED_STRAY(self):
        self.write('managed/README.md', '# notes of the team\n')

    def break_HEALTH_MANAGED_MISSING(self):
        (self.tree / 'managed' / 'servers' / 'server-01.yaml').unlink()

    def break_HEALTH_INDEX_ROW_ORPHANED(self):
        # The deletion of a managed file, committed (and pushed) in the fabric's working copy: intended.
        copy = self.use_git_fabric()
        (copy.tree / 'raw' / 'vpc.yaml').write_text(vpc('vpc-gone'))
        ingest(self.fabric, trigger='test')
        git(copy.folder, 'rm', '--quiet', f'{self.fabric.git_path}/managed/vpcs/vpc-gone.yaml')
        git(copy.folder, 'commit', '--quiet', '-m', 'vpc-gone is retired')
        git(copy.folder, 'push', '--quiet', 'origin', 'HEAD:main')

    def break_HEALTH_INDEX_FILE_UNINDEXED(self):
        self.write('managed/vpcs/vpc-5.yaml', vpc('vpc-5', 1050, '10.0.50.0/24'))

    def break_HEALTH_INDEX_HASH_MISMATCH(self):
        path = self.tree / 'managed' / 'switches' / 'leaf-01.yaml'
        path.write_text(path.read_text() + '# edited by hand\n')

    def break_HEALTH_REF_DANGLING(self):
        # Ingestion accepts a dangling reference (a warning): health sees it in the index, unparsed.
        self.drop(
            'late.yaml', samples.ATTACHMENT.replace('vpc-1--server-01', 'vpc-9--server-01').replace('vpc-1/', 'vpc-9/')
        )
        ingest(self.fabric, trigger='test')

    def break_HEALTH_RAW_PENDING(self):
        self.drop('new.yaml', vpc('vpc-6', 1060, '10.0.60.0/24'))

    def break_HEALTH_RAW_STALE(self):
        path = self.drop('old.yaml', vpc('vpc-7', 1070, '10.0.70.0/24'))
        two_hours_ago = time.time() - 7200
        os.utime(path, (two_hours_ago, two_hours_ago))

    def break_HEALTH_RAW_REJECTED(self):
        self.drop('mixed.yaml', samples.HALF_INVALID)
        ingest(self.fabric, trigger='test')

    def break_HEALTH_RAW_IGNORED(self):
        self.drop('notes.txt', 'not YAML')

    def break_HEALTH_UNMANAGED_DOCUMENTS(self):
        self.drop('gw.yaml', samples.ATTACHMENT_AND_FOREIGN)
        ingest(self.fabric, trigger='test')

    def break_HEALTH_INGESTION_FAILED(self):
        IngestionRun.objects.create(
            fabric=self.fabric,
            started=self.fabric.last_ingested,
            finished=self.fabric.last_ingested,
            trigger='test',
            status=IngestionStatusChoices.FAILED,
            error='OSError: disk on fire',
        )

    def break_HEALTH_DISK_LOW(self):
        self.plugin_settings(min_free_disk_bytes=2**62)

    # --- the git working copy: these switch the test to fabric dc2, whose tree lives in git ------

    def use_git_fabric(self):
        """Fabric dc2 with a bare repository as its remote; its working copy and a person's clone."""
        self.remote = make_bare_repository(self.gitops_root.parent / f'{self.gitops_root.name}-remote.git')
        self.addCleanup(shutil.rmtree, self.remote, ignore_errors=True)
        self.fabric = HedgehogFabric.objects.create(name='dc2', git_remote_url=str(self.remote))
        self.person = Person(self.remote, self.remote.with_suffix('.pat'), self.fabric.git_path)
        self.addCleanup(shutil.rmtree, self.person.folder, ignore_errors=True)
        return self.fabric.working_copy()

    def commit_locally(self, copy):
        (copy.tree / 'raw' / 'local.yaml').write_text(vpc('vpc-local'))
        git(copy.folder, 'add', '--all')
        git(copy.folder, 'commit', '--quiet', '-m', 'local, not pushed')

    def break_HEALTH_GIT_NOT_CLONED(self):
        copy = self.use_git_fabric()
        shutil.rmtree(copy.folder)

    # A remote over http that nothing listens on (port 9, discard): refused at once, never waited for.
    CLOSED_REMOTE = 'http://127.0.0.1:9/dc2.git'

    def break_HEALTH_GIT_CREDENTIALS(self):
        # The administrator's entry for the remote names a variable this server does not have.
        self.use_git_fabric()
        entry = {'name': 'dc2-token', 'url_prefixes': [self.CLOSED_REMOTE], 'token_env': 'HEDGEHOG_TEST_UNSET_TOKEN'}
        self.plugin_settings(git_credentials=[entry])
        HedgehogFabric.objects.filter(pk=self.fabric.pk).update(git_remote_url=self.CLOSED_REMOTE)
        self.fabric.refresh_from_db()

    def break_HEALTH_GIT_CREDENTIALS_UNCONFIGURED(self):
        # Migration 0008 kept the fabric's former reference: no configured entry covers its remote.
        self.use_git_fabric()
        HedgehogFabric.objects.filter(pk=self.fabric.pk).update(
            git_remote_url=self.CLOSED_REMOTE, git_credentials_unmigrated='HEDGEHOG_TEST_FORMER_TOKEN'
        )
        self.fabric.refresh_from_db()

    def break_HEALTH_GIT_UNREACHABLE(self):
        self.use_git_fabric()
        shutil.rmtree(self.remote)

    def break_HEALTH_GIT_DIRTY(self):
        copy = self.use_git_fabric()
        (copy.tree / 'managed' / 'vpcs' / 'by-hand.yaml').write_text(vpc('by-hand'))

    def break_HEALTH_GIT_AHEAD(self):
        self.commit_locally(self.use_git_fabric())

    def break_HEALTH_GIT_BEHIND(self):
        self.use_git_fabric()
        self.person.push({'raw/theirs.yaml': vpc('vpc-theirs')})

    def break_HEALTH_GIT_DIVERGED(self):
        self.break_HEALTH_GIT_BEHIND()
        self.commit_locally(self.fabric.working_copy())

    # --- the failure patterns, each from a constructed history (runs and stored health checks) -------------

    def record_check(self, minutes_ago, **stats):
        """A result of the scheduled health check `minutes_ago`, stored as its job stores it, with `stats`."""
        completed = timezone.now() - timedelta(minutes=minutes_ago)
        recorded = {'status': 'healthy', 'score': 100, 'checked': completed.isoformat(), 'stats': stats}
        return Job.objects.create(
            name=HealthCheckJob.name,
            status=JobStatusChoices.STATUS_COMPLETED,
            completed=completed,
            job_id=uuid.uuid4(),
            data={'fabrics': {self.fabric.name: recorded}},
        )

    def record_run(self, minutes_ago, **fields):
        """A finished ingestion run of dc1 `minutes_ago`, with `fields` (git_error, findings, ...)."""
        started = timezone.now() - timedelta(minutes=minutes_ago)
        return IngestionRun.objects.create(
            fabric=self.fabric,
            started=started,
            finished=started,
            status=IngestionStatusChoices.COMPLETED,
            trigger='test',
            **fields,
        )

    def break_HEALTH_PATTERN_REJECTED_REPEATEDLY(self, runs=3):
        self.drop('mixed.yaml', samples.HALF_INVALID)
        for _ in range(runs):
            ingest(self.fabric, trigger='test')

    def break_HEALTH_PATTERN_PUSH_FAILING(self, runs=3):
        for _ in range(runs):  # each one after the last (the fixture's own ingestion included)
            self.record_run(0, git_error='git push: ! [remote rejected] main -> main (protected branch)')

    def break_HEALTH_PATTERN_LOCK_HELD(self, minutes_ago=10):
        hold_lock_elsewhere(self, self.fabric)
        self.record_check(minutes_ago, lock_holder=lock_holder(self.fabric))

    def break_HEALTH_PATTERN_RAW_GROWING(self, checks=3):
        for waiting in range(1, checks + 1):
            self.record_check(15 * (checks + 1 - waiting), raw_backlog=waiting)
        for number in range(checks + 1):
            self.drop(f'waiting-{number}.yaml', vpc(f'vpc-w{number}'))

    def break_HEALTH_PATTERN_DISK_FILLING(self):
        free = shutil.disk_usage(self.tree).free
        for hours_ago in (3, 2, 1):  # as much as is free now went each hour: full in about an hour
            self.record_check(60 * hours_ago, free_bytes=free * (hours_ago + 1))

    def break_HEALTH_PATTERN_HEALTH_JOB_STALE(self, minutes_ago=31):
        self.record_check(minutes_ago)
