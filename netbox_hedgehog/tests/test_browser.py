"""A person's way through the plugin, in a real browser against a NetBox served on 127.0.0.1 by the test.

Log in, create a fabric, upload a multi-document file with one invalid document and see its findings (on
the upload page and at once on the fabric page), ingest it (rejected: the backlog shows why), correct it on
the Edit page (line numbers, findings beside their lines, Check), ingest again, open a resource, edit a managed
object and see it re-ingested, delete one, discard a waiting file, see the history, open the Health tab, check
the fabric now, fix what it found and see the health in the fabric list. The demo fabric's topology is drawn.
Ingestion, the check and fix go through the real job path: the view queues the job in Redis and an RQ worker
(rq's SimpleWorker, in burst mode, on a queue of this test's own) takes it off and runs it. Screenshots go to
test-artifacts/ at the repository root.

Uses Debian's Chromium (`apt-get install chromium`) through the `playwright` package; no browser is
ever downloaded. Skipped, saying which, when either is missing.
"""

import os
import shutil
import unittest
import uuid
from pathlib import Path
from unittest import mock

import django_rq
from core.choices import JobStatusChoices
from core.models import Job
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.test import override_settings
from rq.worker import SimpleWorker
from users.models import User

from benchmarks.generate_fabric import write_fabric
from netbox_hedgehog.models import FabricHealth, HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the skip below says so
    sync_playwright = None

CHROMIUM = os.environ.get('HEDGEHOG_CHROMIUM', '/usr/bin/chromium')
ARTIFACTS = Path(__file__).resolve().parents[2] / 'test-artifacts'
# Chromium refuses to run as root inside its sandbox; the rest keeps it from calling home during a test.
CHROMIUM_ARGS = [
    *(['--no-sandbox'] if os.geteuid() == 0 else []),
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
]
PASSWORD = 'browser-test-password'

# Six documents; the VPC's VLAN is out of range, so the whole file waits in raw/ until corrected.
INVALID_VLAN = 'vlan: 5000'
WIRING = samples.WIRING + '---\n' + samples.vpc(vlan=5000) + '---\n' + samples.ATTACHMENT_AND_FOREIGN
CORRECTED = WIRING.replace(INVALID_VLAN, 'vlan: 1001')
INVALID_LINE = WIRING.splitlines().index(f'      {INVALID_VLAN}') + 1


def browser_missing():
    """Why the browser test cannot run here, or None."""
    if sync_playwright is None:
        return 'browser test skipped: the Python package playwright is not installed (pip install playwright)'
    if not os.access(CHROMIUM, os.X_OK):
        return f'browser test skipped: no Chromium at {CHROMIUM} (apt-get install chromium, or set HEDGEHOG_CHROMIUM)'
    return None


class InProcessWorker(SimpleWorker):
    """rq's SimpleWorker without its command listener: that thread outlives a burst by up to a minute,
    and later tests fork (the crash trials), which a process with threads must not do."""

    def subscribe(self):
        pass

    def unsubscribe(self):
        pass


class BrowserWalkthroughTest(TemporaryGitopsRootMixin, StaticLiveServerTestCase):
    host = '127.0.0.1'

    @classmethod
    def setUpClass(cls):
        if missing := browser_missing():
            raise unittest.SkipTest(missing)
        # Playwright's synchronous API keeps an asyncio loop in this thread, which Django takes for async
        # code; the test's own database calls are plain synchronous ones.
        cls.enterClassContext(mock.patch.dict(os.environ, {'DJANGO_ALLOW_ASYNC_UNSAFE': 'true'}))
        super().setUpClass()
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        # Fabric jobs go to a queue of this test's own, so no other worker (a dev server's, another
        # test run's) can take them, and this test's worker takes nobody else's.
        self.queue = f'hedgehog-browser-test-{uuid.uuid4().hex[:12]}'
        queues = override_settings(
            RQ_QUEUES={**settings.RQ_QUEUES, self.queue: settings.RQ_QUEUES['default']},
            QUEUE_MAPPINGS={'hedgehogfabric': self.queue},
        )
        queues.enable()
        self.addCleanup(queues.disable)
        self.addCleanup(lambda: django_rq.get_queue(self.queue).delete(delete_jobs=True))
        User.objects.create_user('admin', password=PASSWORD, is_superuser=True)
        ARTIFACTS.mkdir(exist_ok=True)
        # The width of a common laptop screen: findings must be readable there without scrolling sideways.
        self.page = self.browser.new_page(viewport={'width': 1280, 'height': 1000})
        self.addCleanup(self.page.close)
        self.page.set_default_timeout(30_000)

    def log_in(self):
        # The server's first request loads NetBox's whole URL configuration (the GraphQL schema included): on
        # a busy machine that alone can outlast the default timeout.
        self.page.goto(f'{self.live_server_url}/login/?next=/plugins/hedgehog/fabrics/', timeout=180_000)
        self.page.fill('#id_username', 'admin')
        self.page.fill('#id_password', PASSWORD)
        self.page.click('button[type=submit]')
        expect(self.page.locator('h1.page-title')).to_contain_text('Fabrics')

    def managed_file_panel(self):
        return self.page.locator('.card', has=self.page.locator('h2', has_text='Managed file'))

    def open(self, path):
        self.page.goto(f'{self.live_server_url}{path}')

    def shot(self, name):
        self.page.screenshot(path=ARTIFACTS / f'{name}.png', full_page=True)

    def run_jobs(self):
        """What `netbox rqworker` does, here and now: take this test's queued jobs off Redis and run them."""
        django_rq.get_worker(self.queue, worker_class=InProcessWorker).work(burst=True)

    def assertFindingsReadable(self, findings):
        """Every finding's code and message lie inside the viewport, the message not squeezed to a few letters."""
        for row in findings.locator('table.hedgehog-findings tbody tr').all():
            self.assertCellsReadable(row, {'.finding-code': 150, '.finding-message': 250})

    def assertCellsReadable(self, row, cells):
        """Each of `cells` ({selector inside `row`: narrowest width}) lies inside the viewport, wide enough."""
        width = self.page.viewport_size['width']
        for cell, narrowest in cells.items():
            box = row.locator(cell).bounding_box()
            self.assertGreaterEqual(box['width'], narrowest, cell)
            self.assertLessEqual(box['x'] + box['width'], width, cell)

    def finish_job(self, name):
        """On the log page of the job just queued: run it, see it completed, reload to see its log."""
        expect(self.page.locator('h1.page-title')).to_contain_text(name)
        job = Job.objects.get(pk=self.page.url.rstrip('/').split('/')[-2])
        self.assertEqual(job.status, JobStatusChoices.STATUS_PENDING)
        self.run_jobs()
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatusChoices.STATUS_COMPLETED, job.log_entries)
        self.page.reload()

    def test_create_upload_correct_ingest_browse_and_check_health(self):
        """A person's whole loop in one browser session: create a fabric, upload a broken file, correct it, ingest,
        browse what was made, edit, delete and discard, read the history, check health and fix. One test on
        purpose: each step starts from the page and the tree the step before left, as a person's would (a
        screenshot of each step goes to test-artifacts/)."""
        page = self.page

        self.log_in()

        # Create a fabric: its tree is made at once.
        self.open('/plugins/hedgehog/fabrics/add/')
        page.fill('#id_name', 'dc1')
        page.click('button[name=_create]')
        expect(page.locator('h1.page-title')).to_contain_text('dc1')
        fabric = HedgehogFabric.objects.get(name='dc1')
        self.assertTrue((self.gitops_root / 'dc1' / 'raw').is_dir())
        self.shot('01-fabric-created')

        # Upload a file with one invalid document: the findings show at once, with file:line.
        upload = self.gitops_root / 'wiring.yaml'
        upload.write_text(WIRING)
        page.set_input_files('#id_file', upload)
        page.click('#raw-file-form button[name=_upload]')
        findings = page.locator('#upload-findings')
        expect(findings).to_contain_text(f'raw/wiring.yaml:{INVALID_LINE}')
        expect(findings).to_contain_text('vlan 5000 is outside 1..4094')
        expect(page.locator('#upload-result')).to_contain_text('rejects it: fix the errors')
        self.assertFindingsReadable(findings)
        self.assertEqual((self.gitops_root / 'dc1' / 'raw' / 'wiring.yaml').read_text(), WIRING)
        self.shot('02-upload-findings')

        # The fabric page shows the findings of the waiting file at once, recorded when it arrived.
        page.click(f'a.nav-link[href="{fabric.get_absolute_url()}"]')
        backlog = page.locator('.card', has=page.locator('h2', has_text='Waiting in raw/'))
        expect(backlog).to_contain_text('next ingestion rejects it')
        expect(backlog).to_contain_text(f'raw/wiring.yaml:{INVALID_LINE}')
        self.assertFindingsReadable(backlog)
        self.shot('02b-waiting-findings')

        # Ingest anyway: the job rejects the file, which waits in raw/ with its findings.
        page.click('form[action$="/ingest/"] button[type=submit]')
        self.finish_job('Hedgehog ingestion')
        expect(page.locator('#page-content')).to_contain_text('event=file_rejected file=raw/wiring.yaml')
        self.shot('03-ingest-rejected-log')
        page.goto(f'{self.live_server_url}{fabric.get_absolute_url()}')
        backlog = page.locator('.card', has=page.locator('h2', has_text='Waiting in raw/'))
        expect(backlog).to_contain_text(f'raw/wiring.yaml:{INVALID_LINE}')
        self.assertFindingsReadable(backlog)
        self.shot('04-fabric-backlog')

        # Correct the file from the backlog, in place; its previous bytes are kept. The Edit page shows the text
        # with line numbers and the finding beside its line; Check gives the verdict of the text without saving.
        backlog.locator('a', has_text='Edit').click()
        expect(page.locator('#id_text')).to_have_value(WIRING)
        flagged = page.locator(f'#line-{INVALID_LINE}')
        expect(flagged.locator('.annotated-line')).to_have_text(f'      {INVALID_VLAN}')
        expect(flagged.locator('.annotated-findings')).to_contain_text('vlan 5000 is outside 1..4094')
        self.assertCellsReadable(flagged, {'.annotated-line': 250, '.annotated-findings .finding-message': 250})
        self.shot('05a-edit-lines')
        page.fill('#id_text', CORRECTED)
        page.click('#raw-file-form button[name=_check]')
        expect(page.locator('#annotated-text')).to_contain_text('checked, not saved')
        expect(page.locator('#annotated-text')).to_contain_text('next ingestion takes it')
        self.assertEqual((self.gitops_root / 'dc1' / 'raw' / 'wiring.yaml').read_text(), WIRING)
        page.click('#raw-file-form button[name=_upload]')
        result = page.locator('#upload-result')
        expect(result).to_contain_text('takes it')
        expect(result).to_contain_text('.hnp/replaced/wiring.yaml.')
        expect(result).to_contain_text('create VPC vpc-1')
        expect(page.locator('#upload-findings')).not_to_contain_text('error')
        self.shot('05-upload-corrected')

        # Ingest: the job log shows it finished; the fabric page counts what arrived.
        page.click('#upload-result button[type=submit]')
        self.finish_job('Hedgehog ingestion')
        expect(page.locator('#page-content')).to_contain_text('event=ingestion_finished')
        self.shot('06-ingest-job-log')
        self.assertEqual(HedgehogResource.objects.filter(fabric=fabric).count(), 5)
        page.goto(f'{self.live_server_url}{fabric.get_absolute_url()}')
        expect(page.locator('#page-content')).to_contain_text('Nothing is waiting in raw/.')
        expect(page.locator('#page-content')).to_contain_text('Completed')
        self.shot('07-fabric-ingested')

        # Per-kind count to the filtered list, then the resource: highlighted YAML, provenance, references.
        page.locator('.list-group-item', has_text='VPC').first.click()
        expect(page.locator('table.table')).to_contain_text('vpc-1')
        self.shot('08-resources-vpc')
        page.locator('table.table a', has_text='vpc-1').first.click()
        expect(page.locator('#managed_file .yaml-nt').first).to_have_text('apiVersion')
        expect(page.locator('#referred-by')).to_contain_text('vpc-1--server-01')
        expect(page.locator('#page-content')).to_contain_text('raw/wiring.yaml')
        self.shot('09-resource')
        page.locator('#referred-by a', has_text='vpc-1--server-01').click()
        expect(page.locator('#refers-to a', has_text='server-01--unbundled--leaf-01')).to_be_visible()
        self.shot('10-resource-attachment')

        # The wiring drawn: switches, the server and the link between them, its ports on hover.
        page.goto(f'{self.live_server_url}{fabric.get_absolute_url()}topology/')
        drawing = page.locator('#topology svg')
        expect(drawing).to_be_visible()
        expect(drawing.locator('title', has_text='leaf-01/E1/1')).to_have_count(1)
        self.shot('10b-topology')

        # Edit a managed object from its page: its file on the Edit page, saved to raw/, then ingested.
        vpc = HedgehogResource.objects.get(fabric=fabric, kind='VPC', name='vpc-1')
        page.goto(f'{self.live_server_url}{vpc.get_absolute_url()}')
        self.managed_file_panel().locator('a', has_text='Edit').click()
        expect(page.locator('#annotated-text')).to_contain_text('raw/vpcs-vpc-1.yaml')
        page.fill('#id_text', page.locator('#id_text').input_value().replace('vlan: 1001', 'vlan: 1002'))
        page.click('#raw-file-form button[name=_check]')
        expect(page.locator('#annotated-text')).to_contain_text('vlan: 1002')
        self.shot('13-edit-managed')
        page.click('#raw-file-form button[name=_upload]')
        expect(page.locator('#upload-result')).to_contain_text('update VPC vpc-1')
        page.click('#upload-result button[type=submit]')
        self.finish_job('Hedgehog ingestion')
        vpc.refresh_from_db()
        self.assertEqual(vpc.spec['subnets']['default']['vlan'], 1002)
        self.assertIn('vlan: 1002', (self.gitops_root / 'dc1' / vpc.managed_path).read_text())

        # Delete a managed object: confirmed, its file leaves managed/ (kept in .hnp/deleted/), its row the index.
        attachment = HedgehogResource.objects.get(fabric=fabric, kind='VPCAttachment')
        page.goto(f'{self.live_server_url}{attachment.get_absolute_url()}')
        self.managed_file_panel().locator('a', has_text='Delete').click()
        expect(page.locator('#delete-managed-object')).to_contain_text(attachment.managed_path)
        self.shot('14-delete-confirm')
        page.click('#delete-managed-object button[type=submit]')
        expect(page.locator('#page-content')).to_contain_text('Waiting in raw/')
        self.assertFalse((self.gitops_root / 'dc1' / attachment.managed_path).exists())
        self.assertFalse(HedgehogResource.objects.filter(pk=attachment.pk).exists())
        self.assertTrue(any((self.gitops_root / 'dc1' / '.hnp' / 'deleted').iterdir()))

        # Discard a waiting file: its findings are on the fabric page at once; discarded, it is kept and listed.
        page.fill('#raw-file-form #id_text', samples.vpc(vlan=5000).replace('vpc-1', 'vpc-9'))
        page.fill('#raw-file-form #id_name', 'scratch.yaml')
        page.click('#raw-file-form button[name=_upload]')
        expect(page.locator('#upload-result')).to_contain_text('rejects it: fix the errors')
        page.goto(f'{self.live_server_url}{fabric.get_absolute_url()}')
        backlog = page.locator('.card', has=page.locator('h2', has_text='Waiting in raw/'))
        expect(backlog).to_contain_text('vlan 5000 is outside 1..4094')
        backlog.locator('a', has_text='Discard').click()
        self.shot('15-discard-confirm')
        page.click('form.card-footer button[type=submit]')
        backlog = page.locator('.card', has=page.locator('h2', has_text='Waiting in raw/'))
        expect(backlog).to_contain_text('Nothing is waiting in raw/.')
        expect(page.locator('#discarded-files')).to_contain_text('.hnp/discarded/scratch.yaml.')
        self.assertFalse((self.gitops_root / 'dc1' / 'raw' / 'scratch.yaml').exists())
        self.shot('16-discarded')

        # History: every run, the rejected, the edit and the deletion included.
        page.goto(f'{self.live_server_url}/plugins/hedgehog/runs/?fabric_id={fabric.pk}')
        expect(page.locator('table.table')).to_contain_text('Completed with rejections')
        expect(page.locator('table.table')).to_contain_text('documents delete 1')
        self.shot('17-history')

        # Health: a folder removed from a shell shows up once Check now ran (a job); Fix runs as a job and puts
        # it back.
        shutil.rmtree(self.gitops_root / 'dc1' / 'managed' / 'switchgroups')
        page.goto(f'{self.live_server_url}{fabric.get_absolute_url()}health/')
        page.click('form[action$="/check-health/"] button[type=submit]')
        self.finish_job('Hedgehog health check of a fabric')
        page.goto(f'{self.live_server_url}{fabric.get_absolute_url()}health/')
        expect(page.locator('#page-content')).to_contain_text('HEALTH_DIR_MISSING')
        self.assertFindingsReadable(page.locator('#page-content'))
        self.shot('11-health')
        page.click('form[action$="/fix/"] button[type=submit]')
        self.finish_job('Hedgehog fix')
        expect(page.locator('#page-content')).to_contain_text('create: managed/switchgroups')
        self.shot('12-fix-job-log')
        self.assertTrue((self.gitops_root / 'dc1' / 'managed' / 'switchgroups').is_dir())

        # The fabric list: health status and score beside the GitOps status, for every fabric.
        self.open('/plugins/hedgehog/fabrics/')
        row = page.locator('table.table tbody tr', has_text='dc1')
        health = FabricHealth.objects.get(fabric=fabric).report
        expect(row).to_contain_text(str(health['score']))
        expect(row.locator('.badge', has_text=health['status'].capitalize()).first).to_be_visible()
        self.shot('18-fabric-list-health')

    def test_topology_of_the_demo_fabric(self):
        """The demo fabric of `make demo` (benchmarks/generate_fabric.py, small, seed 1), drawn."""
        demo = HedgehogFabric.objects.create(name='demo')
        write_fabric(self.gitops_root / 'demo' / 'raw', size='small', seed=1)
        self.assertEqual(ingest(demo, trigger='test').plan.rejected, [])
        self.log_in()
        self.open(f'{demo.get_absolute_url()}topology/')
        drawing = self.page.locator('#topology svg')
        expect(drawing).to_be_visible()
        switches = HedgehogResource.objects.filter(fabric=demo, kind='Switch').values_list('name', flat=True)
        self.assertIn('spine-01', switches)
        for switch in switches:
            expect(drawing.locator('text', has_text=switch).first).to_be_visible()
        self.shot('19-topology-demo')
