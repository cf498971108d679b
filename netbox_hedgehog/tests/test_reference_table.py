"""The one table of references feeds the validator, the resource page, the REST API and health alike."""

from functools import partial
from unittest import mock

from django.urls import reverse
from utilities.testing import APITestCase

from netbox_hedgehog.core.validation import reference_table, validate_set
from netbox_hedgehog.core.yaml_reader import read_documents
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.health_managed import check_references
from netbox_hedgehog.services.index import index_specs, read_index
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.tests.ingestion_samples import ATTACHMENT_AND_FOREIGN, NAMESPACES, VPC, WIRING
from netbox_hedgehog.tests.test_resource_views import resource
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

# A rule the table does not have: a Server naming a SwitchGroup in its description.
NEW_RULE = reference_table.ReferenceRule(
    'Server', 'SwitchGroup', lambda spec: [('spec.description', spec.get('description'))]
)
SERVER = b"""apiVersion: wiring.githedgehog.com/v1beta1
kind: Server
metadata:
  name: server-9
spec:
  description: group-9
"""


class ReferenceTableTestCase(TemporaryGitopsRootMixin, APITestCase):
    user_permissions = ('netbox_hedgehog.view_hedgehogresource',)

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(reference_table, 'REFERENCE_RULES', (*reference_table.REFERENCE_RULES, NEW_RULE))
        patcher.start()
        self.addCleanup(patcher.stop)
        self.fabric = HedgehogFabric.objects.create(name='fabric-1')
        # Written with the rule in the table, as ingestion (or the migration refreshing the keys) writes them.
        self.server, self.group, self.dangling = HedgehogResource.objects.bulk_create(
            (
                resource(self.fabric, 'Server', 'server-1', 'servers', spec={'description': 'group-1'}),
                resource(self.fabric, 'SwitchGroup', 'group-1', 'switchgroups', spec={}),
                resource(self.fabric, 'Server', 'server-9', 'servers', spec={'description': 'group-9'}),
            )
        )
        self.client.force_login(self.user)

    def page(self, row):
        response = self.client.get(row.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_a_rule_added_to_the_table_shows_in_validator_page_api_and_health(self):
        # The validator: a dangling reference, at the field the rule names.
        (finding,) = validate_set(read_documents(SERVER, 'raw/server-9.yaml').documents)
        self.assertEqual((finding.code, finding.path, finding.line), ('REF_DANGLING', 'spec.description', 6))
        # The page: both directions.
        self.assertIn(f'href="{self.group.get_absolute_url()}"', self.page(self.server))
        self.assertIn(f'href="{self.server.get_absolute_url()}"', self.page(self.group))
        # The API: the detail answer carries them.
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogresource-detail', args=[self.server.pk])
        answer = self.client.get(url, **self.header).data['references']
        self.assertEqual(
            [(r['kind'], r['name'], r['id']) for r in answer['refers_to']], [('SwitchGroup', 'group-1', self.group.pk)]
        )
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogresource-detail', args=[self.group.pk])
        answer = self.client.get(url, **self.header).data['references']
        self.assertEqual([(r['kind'], r['name']) for r in answer['referred_by']], [('Server', 'server-1')])
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogresource-detail', args=[self.dangling.pk])
        answer = self.client.get(url, **self.header).data['references']
        self.assertEqual(answer['refers_to'], [{'kind': 'SwitchGroup', 'name': 'group-9', 'id': None, 'url': None}])
        # Health: the dangling one, read from the index.
        findings = check_references(read_index(self.fabric).values(), load_specs=partial(index_specs, self.fabric))
        self.assertEqual(
            [(f.code, f.file, f.path) for f in findings],
            [('HEALTH_REF_DANGLING', 'managed/servers/server-9.yaml', 'spec.description')],
        )


class StoredReferenceKeysTestCase(TemporaryGitopsRootMixin, APITestCase):
    """Ingestion and re-index write each row's reference keys, which 'referred to by' looks up."""

    user_permissions = ('netbox_hedgehog.view_hedgehogresource',)

    def test_ingested_and_reindexed_rows_carry_the_keys_of_their_references(self):
        fabric = HedgehogFabric.objects.create(name='fabric-1')
        raw = fabric.layout().raw
        (raw / 'namespaces.yaml').write_text(NAMESPACES)
        (raw / 'wiring.yaml').write_text(WIRING)
        (raw / 'vpc.yaml').write_text(VPC.format(vlan=1001))
        (raw / 'attachment.yaml').write_text(ATTACHMENT_AND_FOREIGN)
        self.assertFalse(ingest(fabric, trigger='test').plan.rejected)
        attachment = fabric.resources.get(kind='VPCAttachment')
        self.assertEqual(sorted(attachment.reference_keys), ['Connection/server-01--unbundled--leaf-01', 'VPC/vpc-1'])
        connection = fabric.resources.get(kind='Connection')
        self.assertEqual(sorted(connection.reference_keys), ['Server/server-01', 'Switch/leaf-01'])
        # Defaults count: the VPC names no namespace, Hedgehog puts it in the default ones.
        self.assertIn('IPv4Namespace/default', fabric.resources.get(kind='VPC').reference_keys)
        # Re-index writes them the same way.
        fabric.resources.filter(kind='VPCAttachment').delete()
        reindex(fabric)
        self.assertEqual(fabric.resources.get(kind='VPCAttachment').reference_keys, attachment.reference_keys)
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogresource-detail', args=[connection.pk])
        answer = self.client.get(url, **self.header).data['references']
        self.assertEqual(
            [(r['kind'], r['name']) for r in answer['referred_by']], [('VPCAttachment', 'vpc-1--server-01')]
        )
