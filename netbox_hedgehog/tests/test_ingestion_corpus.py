"""Every file of the shared corpus (real Hedgehog YAML written by others) dropped into raw/ on its own.

Expected outcomes come from ../shared/corpus/SOURCES.md: the named invalid files stay in raw/,
whole, with findings; every other file leaves raw/, each fabric object in managed/<dir>/<name>.yaml
and each foreign document in unmanaged/. The documents are counted here with PyYAML directly,
independently of the reader under test.
"""

import unittest
from pathlib import Path

import yaml
from django.test import TestCase

from netbox_hedgehog.core import kinds
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

CORPUS = Path(__file__).resolve().parents[2].parent / 'shared' / 'corpus'

# SOURCES.md: invalid on purpose or by age; plus the legacy wiring examples, whose removed
# `management` connection type and host-bit static-external subnet no cluster accepts today.
REJECTED = {
    'docs_external_placeholder-templates_INVALID.yaml',
    'docs-alpha7_v1alpha2_vpc-external-examples.yaml',
    'docs_vpcs_examples.yaml',
    'labci_env-ci-1_wiring_first_2025-01.yaml',
    'docs-alpha7_v1alpha2_wiring-examples.yaml',
    # Examples written apart in the docs: in one file they reuse switch ports (and, for mesh and gateway,
    # link addresses), which the fabric refuses (CONN_PORT_IN_USE, CONN_LINK_IP_IN_USE; issue 16).
    'docs_connections_all-types.yaml',
    'docs_external_bgp-and-static-examples.yaml',
    # Its Gateway is in namespace 'fab' (NAMESPACE_INVALID): the gateway kinds are managed, and validated, now.
    'docs_build-wiring_sample-spine-leaf.yaml',
}
OUR_GROUPS = {kind.group for kind in kinds.KINDS}


def expected_outputs(data):
    """(managed paths, number of distinct foreign documents) of a corpus file, read with PyYAML."""
    managed, foreign = set(), set()
    for document in yaml.safe_load_all(data):
        if document is None:
            continue
        group = str(document.get('apiVersion', '')).split('/')[0] if isinstance(document, dict) else ''
        kind = kinds.by_kind(document.get('kind')) if isinstance(document, dict) else None
        if kind is not None and group in OUR_GROUPS:
            managed.add(f'managed/{kind.directory}/{document["metadata"]["name"]}.yaml')
        else:
            foreign.add(yaml.safe_dump(document))
    return managed, len(foreign)


@unittest.skipUnless(CORPUS.is_dir(), f'shared corpus not found at {CORPUS}')
class CorpusIngestionTest(TemporaryGitopsRootMixin, TestCase):
    def test_each_corpus_file_gets_its_documented_outcome(self):
        files = sorted(CORPUS.glob('*.yaml'))
        self.assertGreaterEqual(len(files), 20)
        for number, source in enumerate(files):
            with self.subTest(file=source.name):
                fabric = HedgehogFabric.objects.create(name=f'corpus-{number}')
                tree = fabric.layout().path
                data = source.read_bytes()
                (tree / 'raw' / source.name).write_bytes(data)
                outcome = ingest(fabric, trigger='test')
                raw = tree / 'raw' / source.name
                if source.name in REJECTED:
                    self.assertEqual(raw.read_bytes(), data)
                    self.assertEqual(list((tree / 'managed').rglob('*.yaml')), [])
                    errors = [f for f in outcome.run.findings if f['severity'] == 'error']
                    self.assertTrue(errors)
                    self.assertTrue(all(f['file'] == f'raw/{source.name}' and f['line'] for f in errors), errors)
                    continue
                managed, foreign = expected_outputs(data)
                self.assertFalse(raw.exists())
                written = {path.relative_to(tree).as_posix() for path in (tree / 'managed').rglob('*.yaml')}
                self.assertEqual(written, managed)
                self.assertEqual(len(list((tree / 'unmanaged').glob('*.yaml'))), foreign)
                indexed = set(HedgehogResource.objects.filter(fabric=fabric).values_list('managed_path', flat=True))
                self.assertEqual(indexed, managed)

    def test_the_labs_gateway_overlay_gives_managed_gateway_files(self):
        fabric = HedgehogFabric.objects.create(name='gateways')
        tree = fabric.layout().path
        source = CORPUS / 'labci_env-ci-1_wiring-gateway_overlay.yaml'
        (tree / 'raw' / 'wiring-gateway.yaml').write_bytes(source.read_bytes())
        outcome = ingest(fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        self.assertEqual(
            sorted(path.relative_to(tree).as_posix() for path in (tree / 'managed').rglob('*.yaml')),
            [
                'managed/connections/ds4000-01--gateway--gateway-1.yaml',
                'managed/connections/ds4000-02--gateway--gateway-2.yaml',
                'managed/gatewaygroups/default.yaml',
                'managed/gateways/gateway-1.yaml',
                'managed/gateways/gateway-2.yaml',
            ],
        )
        self.assertEqual(list((tree / 'unmanaged').glob('*.yaml')), [])
        self.assertEqual(
            set(HedgehogResource.objects.filter(fabric=fabric, kind='Gateway').values_list('api_version', flat=True)),
            {'gateway.githedgehog.com/v1alpha1'},
        )

    def test_legacy_files_are_written_in_the_served_version_with_a_warning(self):
        fabric = HedgehogFabric.objects.create(name='legacy')
        tree = fabric.layout().path
        (tree / 'raw' / 'demo.yaml').write_bytes((CORPUS / 'demo-gitops_env-1_demo_v1alpha2_2024-10.yaml').read_bytes())
        outcome = ingest(fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        for path in (tree / 'managed').rglob('*.yaml'):
            self.assertIn('apiVersion: vpc.githedgehog.com/v1beta1', path.read_text())
        self.assertTrue(any(f['code'] == 'LEGACY_API_VERSION' for f in outcome.run.findings))

    def test_the_attachment_batch_and_the_full_wiring_together_deduplicate(self):
        fabric = HedgehogFabric.objects.create(name='airdemo')
        tree = fabric.layout().path
        for name in ('nvidia-air-demo_include_hydrated-cumulus.yaml', 'nvidia-air-demo_old_attachments.yaml'):
            (tree / 'raw' / name).write_bytes((CORPUS / name).read_bytes())
        outcome = ingest(fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        self.assertEqual(outcome.plan.counts()['documents']['duplicate'], 8)
        self.assertEqual(list((tree / 'raw').glob('*.yaml')), [])
