"""The fabric's own rules: name, gitops_path and the status constraint, at every entry point."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase

from netbox_hedgehog.forms import HedgehogFabricForm
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

UNSAFE_PATHS = {
    '/etc': 'absolute',
    '../x': "'..'",
    'a//b': 'empty part',
    'a/../../b': "'..'",
    'dc\n1': 'control characters',
}


class FabricPathRulesTest(TemporaryGitopsRootMixin, TestCase):
    def test_full_clean_refuses_unsafe_paths_with_a_reason(self):
        for path, reason in UNSAFE_PATHS.items():
            with self.subTest(path=path):
                fabric = HedgehogFabric(name='fab', gitops_path=path)
                with self.assertRaises(ValidationError) as caught:
                    fabric.full_clean()
                messages = caught.exception.message_dict['gitops_path']
                self.assertIn(reason, ' '.join(messages))

    def test_form_refuses_unsafe_paths_as_a_field_error(self):
        for path, reason in UNSAFE_PATHS.items():
            with self.subTest(path=path):
                form = HedgehogFabricForm(data={'name': 'fab', 'gitops_path': path})
                self.assertFalse(form.is_valid())
                self.assertIn(reason, ' '.join(form.errors['gitops_path']))

    def test_default_path_is_derived_from_the_name(self):
        fabric = HedgehogFabric(name='lab-east')
        fabric.full_clean()
        self.assertEqual(fabric.gitops_path, 'lab-east')

    def test_orm_save_without_path_gets_the_default(self):
        fabric = HedgehogFabric.objects.create(name='orm-only')
        self.assertEqual(fabric.gitops_path, 'orm-only')

    def test_name_must_be_an_rfc1123_label(self):
        for name in ('Upper', 'under_score', '-lead', 'trail-', 'a' * 64):
            with self.subTest(name=name):
                with self.assertRaises(ValidationError) as caught:
                    HedgehogFabric(name=name, gitops_path='x').full_clean()
                self.assertIn('name', caught.exception.message_dict)

    def test_nested_trees_are_refused(self):
        HedgehogFabric.objects.create(name='outer', gitops_path='dc1')
        for path in ('dc1', 'dc1/inner'):
            with self.subTest(path=path):
                with self.assertRaises(ValidationError) as caught:
                    HedgehogFabric(name='inner', gitops_path=path).full_clean()
                self.assertIn('overlaps', ' '.join(caught.exception.message_dict['gitops_path']))
        HedgehogFabric(name='sibling', gitops_path='dc10').full_clean()


class FabricStatusConstraintTest(TemporaryGitopsRootMixin, TestCase):
    def test_database_refuses_a_status_outside_the_choices(self):
        fabric = HedgehogFabric.objects.create(name='fab')
        with self.assertRaises(IntegrityError), transaction.atomic():
            HedgehogFabric.objects.filter(pk=fabric.pk).update(gitops_status='bogus')
        fabric.refresh_from_db()
        self.assertEqual(fabric.gitops_status, 'initialized')

    def test_full_clean_names_the_constraint_violation(self):
        fabric = HedgehogFabric(name='fab', gitops_status='bogus')
        with self.assertRaises(ValidationError):
            fabric.full_clean()


class FabricPathRulesAPITest(TemporaryGitopsRootMixin, APITestCase):
    def test_api_answers_400_naming_the_field(self):
        self.add_permissions('netbox_hedgehog.add_hedgehogfabric')
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-list')
        for path, reason in UNSAFE_PATHS.items():
            with self.subTest(path=path):
                response = self.client.post(url, {'name': 'fab', 'gitops_path': path}, format='json', **self.header)
                self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
                self.assertIn(reason, ' '.join(response.data['gitops_path']))
        self.assertFalse(HedgehogFabric.objects.exists())
