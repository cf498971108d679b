"""The resource index pages: read-only list and detail (the detail shows the managed file from disk)."""

import hashlib

from django.urls import reverse
from django.utils import timezone
from utilities.testing import TestCase, ViewTestCases

from netbox_hedgehog.core.validation import reference_keys
from netbox_hedgehog.filtersets import HedgehogResourceFilterSet
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.tables import HedgehogResourceTable
from netbox_hedgehog.tests.utils import NoWriteViewsMixin, TemporaryGitopsRootMixin, bare_fabrics

UNBUNDLED = {'unbundled': {'link': {'server': {'port': 'server-1/enp2s1'}, 'switch': {'port': 'leaf-1/E1/1'}}}}
VPC_YAML = b'apiVersion: vpc.githedgehog.com/v1beta1\nkind: VPC\nmetadata:\n  name: vpc-1  # the first\nspec: {}\n'


def resource(fabric, kind, name, directory, **fields):
    """An index row as ingestion writes it: with the reference keys of its spec."""
    fields = {'spec': {'name': name}, **fields}
    return HedgehogResource(
        fabric=fabric,
        kind=kind,
        name=name,
        api_version='vpc.githedgehog.com/v1beta1' if kind == 'VPC' else 'wiring.githedgehog.com/v1beta1',
        managed_path=f'managed/{directory}/{name}.yaml',
        sha256=hashlib.sha256(name.encode()).hexdigest(),
        reference_keys=reference_keys(kind, fields['spec']),
        **fields,
    )


class HedgehogResourceViewTestCase(
    NoWriteViewsMixin,
    ViewTestCases.GetObjectViewTestCase,
    ViewTestCases.GetObjectChangelogViewTestCase,
    ViewTestCases.ListObjectsViewTestCase,
):
    # Rows are rebuilt from managed/ files: the UI writes none of them (an edit goes through raw/, and a
    # deletion through services.removal: test_edit_managed, test_delete_managed).
    model = HedgehogResource

    @classmethod
    def setUpTestData(cls):
        (fabric,) = bare_fabrics('fabric-1')
        run = IngestionRun.objects.create(fabric=fabric, started=timezone.now(), trigger='test')
        HedgehogResource.objects.bulk_create(
            (
                resource(fabric, 'VPC', 'vpc-1', 'vpcs', last_run=run, source_file='raw/a.yaml', source_line=3),
                resource(fabric, 'VPC', 'vpc-2', 'vpcs', last_run=run),
                resource(fabric, 'Switch', 'leaf-1', 'switches'),
            )
        )

    def test_no_tags_offered_where_they_cannot_be_set(self):
        # A row is rebuilt from its file: a tag could not be set, nor would it last, so none is shown.
        self.add_permissions('netbox_hedgehog.view_hedgehogresource')
        row = HedgehogResource.objects.first()
        page = self.client.get(row.get_absolute_url()).content.decode()
        self.assertNotIn('>Tags<', page)
        listing = self.client.get(self._get_url('list')).content.decode()
        self.assertNotIn('name="tag"', listing)
        self.assertNotIn('tags', HedgehogResourceTable.Meta.fields)


class ResourceDetailFileTestCase(TemporaryGitopsRootMixin, TestCase):
    """The detail page reads the managed file from the fabric's tree and says when it is missing or stale."""

    user_permissions = ('netbox_hedgehog.view_hedgehogresource',)

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='fabric-1')
        self.row = HedgehogResource.objects.create(
            fabric=self.fabric,
            kind='VPC',
            name='vpc-1',
            api_version='vpc.githedgehog.com/v1beta1',
            managed_path='managed/vpcs/vpc-1.yaml',
            sha256=hashlib.sha256(VPC_YAML).hexdigest(),
            spec={'subnets': {'default': {'subnet': '10.0.0.0/24'}}},
            source_file='raw/vpcs.yaml',
            source_document=1,
            source_line=7,
        )
        self.path = self.fabric.tree_path / self.row.managed_path

    def page(self):
        response = self.client.get(self.row.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_shows_file_text_provenance_and_spec(self):
        self.path.write_bytes(VPC_YAML)
        content = self.page()
        # The file's own text, highlighted: keys and comments in their own spans.
        self.assertIn('<span class="yaml-nt">name</span>', content)
        self.assertIn('<span class="yaml-c1"># the first</span>', content)
        self.assertIn('raw/vpcs.yaml', content)
        self.assertIn('10.0.0.0/24', content)
        self.assertNotIn('missing', content)
        self.assertNotIn('changed since it was indexed', content)

    def test_says_when_the_file_is_missing(self):
        content = self.page()
        self.assertIn('managed/vpcs/vpc-1.yaml is missing from the tree', content)

    def test_says_when_the_file_changed_since_indexing(self):
        self.path.write_bytes(VPC_YAML + b'# edited by hand\n')
        content = self.page()
        self.assertIn('# edited by hand', content)
        self.assertIn('changed since it was indexed', content)

    def test_refuses_a_path_leaving_the_tree(self):
        outside = self.fabric.tree_path.parent / 'secret.yaml'
        outside.write_text('password: hunter2\n')
        HedgehogResource.objects.filter(pk=self.row.pk).update(managed_path='../secret.yaml')
        content = self.page()
        self.assertNotIn('hunter2', content)
        self.assertIn('leads outside the fabric tree', content)


class ResourceReferencesTestCase(TemporaryGitopsRootMixin, TestCase):
    """References to and from other objects, as the validator's reference rules follow them, as links."""

    user_permissions = ('netbox_hedgehog.view_hedgehogresource',)

    def setUp(self):
        super().setUp()
        fabric, other = HedgehogFabric.objects.create(name='fabric-1'), HedgehogFabric.objects.create(name='fabric-2')
        rows = HedgehogResource.objects.bulk_create(
            (
                resource(fabric, 'VPC', 'vpc-1', 'vpcs', spec={'subnets': {'default': {'subnet': '10.0.1.0/24'}}}),
                resource(fabric, 'IPv4Namespace', 'default', 'ipv4namespaces', spec={'subnets': ['10.0.0.0/16']}),
                resource(fabric, 'Connection', 'server-1--unbundled--leaf-1', 'connections', spec=UNBUNDLED),
                resource(fabric, 'Switch', 'leaf-1', 'switches', spec={'role': 'server-leaf'}),
                resource(fabric, 'External', 'e1', 'externals', spec={'ipv4Namespace': 'default'}),
                resource(
                    fabric,
                    'VPCAttachment',
                    'vpc-1--server-1',
                    'vpcattachments',
                    spec={'subnet': 'vpc-1/default', 'connection': 'server-1--unbundled--leaf-1'},
                ),
                resource(
                    fabric, 'VPCPeering', 'vpc-1--vpc-2', 'vpcpeerings', spec={'permit': [{'vpc-1': {}, 'vpc-2': {}}]}
                ),
                # Same names in another fabric: never linked.
                resource(other, 'VPCAttachment', 'vpc-1--server-9', 'vpcattachments', spec={'subnet': 'vpc-1/default'}),
            )
        )
        self.rows = {(row.fabric.name, row.kind, row.name): row for row in rows}

    def cell(self, row, cell_id):
        response = self.client.get(row.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        start = content.index(f'id="{cell_id}"')
        return ' '.join(content[start : content.index('</td>', start)].split())

    def link(self, kind, name):
        return f'<a href="{self.rows["fabric-1", kind, name].get_absolute_url()}">{name}</a>'

    def test_what_an_object_refers_to_links_where_indexed_and_is_marked_where_not(self):
        attachment = self.rows['fabric-1', 'VPCAttachment', 'vpc-1--server-1']
        refers_to = self.cell(attachment, 'refers-to')
        self.assertIn(self.link('Connection', 'server-1--unbundled--leaf-1'), refers_to)
        self.assertIn(self.link('VPC', 'vpc-1'), refers_to)
        peering = self.cell(self.rows['fabric-1', 'VPCPeering', 'vpc-1--vpc-2'], 'refers-to')
        self.assertIn(self.link('VPC', 'vpc-1'), peering)
        self.assertRegex(peering, r'vpc-2 <span class="badge[^"]*"[^>]*>not found</span>')

    def test_what_refers_to_an_object_in_its_fabric_through_defaults_too(self):
        referred_by = self.cell(self.rows['fabric-1', 'VPC', 'vpc-1'], 'referred-by')
        self.assertIn(self.link('VPCAttachment', 'vpc-1--server-1'), referred_by)
        self.assertIn(self.link('VPCPeering', 'vpc-1--vpc-2'), referred_by)
        self.assertNotIn('vpc-1--server-9', referred_by)
        # The VPC names no namespace: Hedgehog puts it in the default one.
        namespace = self.cell(self.rows['fabric-1', 'IPv4Namespace', 'default'], 'referred-by')
        self.assertIn(self.link('VPC', 'vpc-1'), namespace)

    def test_a_switch_is_referred_to_by_the_connections_on_its_ports(self):
        referred_by = self.cell(self.rows['fabric-1', 'Switch', 'leaf-1'], 'referred-by')
        self.assertIn(self.link('Connection', 'server-1--unbundled--leaf-1'), referred_by)
        refers_to = self.cell(self.rows['fabric-1', 'Connection', 'server-1--unbundled--leaf-1'], 'refers-to')
        self.assertIn(self.link('Switch', 'leaf-1'), refers_to)
        self.assertRegex(refers_to, r'server-1 <span class="badge[^"]*"[^>]*>not found</span>')

    def test_an_external_refers_to_its_ipv4_namespace(self):
        self.assertIn(
            self.link('IPv4Namespace', 'default'), self.cell(self.rows['fabric-1', 'External', 'e1'], 'refers-to')
        )
        namespace = self.cell(self.rows['fabric-1', 'IPv4Namespace', 'default'], 'referred-by')
        self.assertIn(self.link('External', 'e1'), namespace)

    def test_an_object_nothing_refers_to_says_so(self):
        self.assertIn('No other object', self.cell(self.rows['fabric-1', 'VPCPeering', 'vpc-1--vpc-2'], 'referred-by'))


class HedgehogResourceFilterSetTestCase(TestCase):
    queryset = HedgehogResource.objects.all()

    @classmethod
    def setUpTestData(cls):
        fabrics = bare_fabrics('fabric-1', 'fabric-2')
        HedgehogResource.objects.bulk_create(
            (
                resource(fabrics[0], 'VPC', 'vpc-1', 'vpcs'),
                resource(fabrics[0], 'Switch', 'leaf-1', 'switches', namespace='default'),
                resource(fabrics[1], 'VPC', 'vpc-1', 'vpcs'),
                resource(fabrics[1], 'Server', 'server-1', 'servers', namespace='other'),
            )
        )
        cls.fabrics = fabrics

    def count(self, **params):
        return HedgehogResourceFilterSet(params, self.queryset).qs.count()

    def test_fabric(self):
        self.assertEqual(self.count(fabric_id=[self.fabrics[0].pk]), 2)
        self.assertEqual(self.count(fabric=['fabric-2']), 2)

    def test_kind_takes_several(self):
        self.assertEqual(self.count(kind=['VPC']), 2)
        self.assertEqual(self.count(kind=['VPC', 'Server']), 3)

    def test_name_and_namespace(self):
        self.assertEqual(self.count(name=['vpc-1']), 2)
        self.assertEqual(self.count(namespace=['other']), 1)

    def test_q_searches_names_and_kinds(self):
        self.assertEqual(self.count(q='leaf'), 1)
        self.assertEqual(self.count(q='server'), 1)
        self.assertEqual(self.count(q='vpc'), 2)

    def test_list_link_from_the_fabric_page_filters_by_fabric_and_kind(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogresource')
        url = reverse('plugins:netbox_hedgehog:hedgehogresource_list')
        response = self.client.get(url, {'fabric_id': self.fabrics[1].pk, 'kind': 'VPC'})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context['table'].rows), 1)
