from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, router, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from netbox.context import current_request
from netbox.models import PrimaryModel
from netbox.models.features import JobsMixin
from netbox.plugins import get_plugin_config
from utilities.querysets import RestrictedQuerySet

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.core.remote import (
    DEFAULT_BRANCH,
    RemoteSettings,
    check_branch,
    check_remote_url,
    check_repository_path,
    default_repository_path,
)
from netbox_hedgehog.core.tree import TreeLayout, check_gitops_path, default_gitops_path, paths_overlap, resolve_tree
from netbox_hedgehog.models.deletion import delete_fabric_records
from netbox_hedgehog.models.health import FabricHealth
from netbox_hedgehog.models.resource import HedgehogResource
from netbox_hedgehog.services.credentials import parse_entries, select
from netbox_hedgehog.services.fabric_checks import (
    REMOTE_FIELDS,
    REMOTE_PERMISSION,
    remote_change_refused,
    tree_problems,
)
from netbox_hedgehog.services.repository import WorkingCopy
from netbox_hedgehog.services.treefs import Tree

__all__ = ('REMOTE_FIELDS', 'REMOTE_PERMISSION', 'HedgehogFabric', 'configured_credentials', 'self_healing_default')

# A fabric name is used as a Kubernetes-style label and as the default folder name.
rfc1123_label = RegexValidator(
    regex=r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    message=_('Use lowercase letters, digits and hyphens, starting and ending with a letter or digit (RFC 1123).'),
)


def gitops_root():
    """The folder under which every fabric's tree lives (checked at start-up by the PluginConfig)."""
    return Path(get_plugin_config('netbox_hedgehog', 'gitops_root'))


def self_healing_default():
    """A new fabric's self-healing: the plugin setting self_healing_default (off unless the administrator says)."""
    return bool(get_plugin_config('netbox_hedgehog', 'self_healing_default'))


def configured_credentials():
    """The administrator's git credentials entries (PLUGINS_CONFIG, checked at start-up by the PluginConfig)."""
    return parse_entries(get_plugin_config('netbox_hedgehog', 'git_credentials'))


class HedgehogFabricQuerySet(RestrictedQuerySet):
    def delete(self):
        """A queryset's delete (scripts, the shell) also removes the fabrics' records in bulk first."""
        with transaction.atomic(using=self.db):
            records = delete_fabric_records(self.values_list('pk', flat=True))
            return _with_records(super().delete(), records)

    delete.alters_data = True

    def with_health(self):
        """The fabrics with, for lists, their latest stored health check's status, score and files waiting in raw/
        (JSON keys of one row each, findings left in the database) and how many resources they hold."""
        resources = (
            HedgehogResource.objects.filter(fabric=OuterRef('pk'))
            .order_by()
            .values('fabric')
            .annotate(count=Count('pk'))
            .values('count')
        )
        # F() across the relation into the JSON keys (KT() does not follow relations); jsonb casts to integer.
        return self.annotate(
            health_status=F('stored_health__report__status'),
            health_score=Cast(F('stored_health__report__score'), IntegerField()),
            waiting_files=Cast(F('stored_health__report__stats__raw_backlog'), IntegerField()),
            resource_count=Coalesce(Subquery(resources), 0),
        )


def _with_records(deleted, records):
    """Django's (total, {label: count}) of a delete, with the records deleted in bulk before it added in."""
    total, by_label = deleted
    for model, count in records.by_model().items():
        if count:
            by_label[model._meta.label] = by_label.get(model._meta.label, 0) + count
            total += count
    return total, by_label


class HedgehogFabric(JobsMixin, PrimaryModel):
    name = models.CharField(
        verbose_name=_('name'),
        max_length=63,
        unique=True,
        validators=[rfc1123_label],
        help_text=_(
            'Lowercase letters, digits and hyphens, starting and ending with a letter or digit, at most 63 '
            'characters (an RFC 1123 label)'
        ),
    )
    gitops_path = models.CharField(
        verbose_name=_('GitOps path'),
        max_length=255,
        unique=True,
        blank=True,
        help_text=_("Folder of this fabric's GitOps tree, relative to the plugin's gitops_root (default: the name)"),
    )
    gitops_status = models.CharField(
        verbose_name=_('GitOps status'),
        max_length=20,
        choices=GitOpsStatusChoices,
        default=GitOpsStatusChoices.PENDING,
        editable=False,
    )
    last_initialized = models.DateTimeField(verbose_name=_('last initialized'), null=True, blank=True, editable=False)
    last_ingested = models.DateTimeField(verbose_name=_('last ingested'), null=True, blank=True, editable=False)
    # Git (optional): with a remote, <gitops_root>/<gitops_path> is a working copy and the tree is its
    # folder git_path; without one, that folder is the tree itself.
    git_remote_url = models.CharField(
        verbose_name=_('git remote URL'),
        max_length=500,
        blank=True,
        help_text=_('Repository the tree is pushed to (https://, ssh://, git@host:path or a path); no password in it'),
    )
    git_branch = models.CharField(
        verbose_name=_('git branch'), max_length=255, blank=True, default=DEFAULT_BRANCH, help_text=_('Default: main')
    )
    git_path = models.CharField(
        verbose_name=_('path in repository'),
        max_length=255,
        blank=True,
        help_text=_("Folder of the tree inside the repository (default: fabrics/NAME/gitops, NAME being the fabric's)"),
    )
    # Opt-in: the scheduled health check applies the repairs `fix` classes as safe (gitops/selfheal.py).
    self_healing = models.BooleanField(
        verbose_name=_('self-healing'),
        default=self_healing_default,
        help_text=_('The scheduled health check repairs what Fix repairs safely (never what needs a person)'),
    )
    # Credentials are never a fabric's: the administrator binds them to URL prefixes (PLUGINS_CONFIG).
    # This keeps, for the administrator alone, the credentials reference a fabric named before that
    # (migration 0008) while no configured entry covers its remote: health reports it
    # (HEALTH_GIT_CREDENTIALS_UNCONFIGURED). It is a server path or variable name, so no form, API field,
    # GraphQL type, table, page or change record shows it.
    git_credentials_unmigrated = models.CharField(max_length=255, blank=True, default='', editable=False)

    clone_fields = ('description',)

    objects = HedgehogFabricQuerySet.as_manager()

    class Meta:
        ordering = ('name',)
        verbose_name = _('fabric')
        verbose_name_plural = _('fabrics')
        # NetBox offers it as the action "change_remote" of an object permission on fabrics.
        permissions = [('change_remote', 'Set or change the git remote (URL, branch, path in repository)')]
        constraints = (
            # The status is shown and acted upon; no code path may store a value outside its choices.
            models.CheckConstraint(
                condition=Q(gitops_status__in=GitOpsStatusChoices.values()),
                name='%(app_label)s_%(class)s_gitops_status_valid',
                violation_error_message=_('Invalid GitOps status.'),
            ),
        )

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse('plugins:netbox_hedgehog:hedgehogfabric', args=[self.pk])

    def get_gitops_status_color(self):
        return GitOpsStatusChoices.colors.get(self.gitops_status)

    @property
    def has_remote(self):
        return bool(self.git_remote_url)

    @cached_property
    def health_summary(self):
        """{'status', 'score', 'checked'} of the latest stored health check, or None when none ran: one small
        query that leaves the stored findings in the database."""
        found = FabricHealth.objects.filter(fabric_id=self.pk).values(
            'checked', status=KT('report__status'), score=KT('report__score')
        )
        return found.first()

    @property
    def tree_relative_path(self):
        """The tree's folder relative to gitops_root: inside the working copy when the fabric has a remote."""
        return f'{self.gitops_path}/{self.git_path}' if self.has_remote else self.gitops_path

    @property
    def tree_path(self):
        """Absolute folder of this fabric's GitOps tree (not resolved: see core.tree for the safety checks)."""
        return gitops_root() / self.tree_relative_path

    def layout(self):
        """The fabric's TreeLayout, after the path safety checks (raises UnsafePathError)."""
        return TreeLayout(resolve_tree(gitops_root(), self.tree_relative_path))

    def files(self):
        """The fabric's tree as a services.treefs.Tree: the one way to its files, following no link. Close it."""
        return Tree(gitops_root(), self.tree_relative_path)

    @property
    def credentials_entry(self):
        """The administrator's credentials entry whose prefix covers the remote URL (longest wins), or None."""
        return select(configured_credentials(), self.git_remote_url) if self.has_remote else None

    @property
    def credentials_name(self):
        """The covering entry's name, as pages show it ('' without one): never where its secret lives."""
        entry = self.credentials_entry
        return entry.name if entry else ''

    def remote_settings(self):
        """The fabric's git remote as RemoteSettings, or None for a fabric kept locally."""
        if not self.has_remote:
            return None
        return RemoteSettings(self.git_remote_url, self.git_branch, self.git_path, self.credentials_entry)

    def working_copy(self):
        """The fabric's git working copy (gitops.repository.WorkingCopy), or None without a remote."""
        if not self.has_remote:
            return None
        folder = resolve_tree(gitops_root(), self.gitops_path)
        timeout = get_plugin_config('netbox_hedgehog', 'git_timeout_seconds')
        return WorkingCopy(folder, self.remote_settings(), timeout=timeout)

    @property
    def display_remote_url(self):
        return self.remote_settings().display_url if self.has_remote else ''

    def clean(self):
        super().clean()
        if not self.gitops_path and self.name:
            self.gitops_path = default_gitops_path(self.name)
        self._set_git_defaults()
        self._check_remote_permission()
        self._check_git_settings()
        if self.gitops_path:
            if problem := check_gitops_path(self.gitops_path):
                raise ValidationError({'gitops_path': problem})
            self._check_no_overlap()
            self._check_tree_can_be_made()

    def _set_git_defaults(self):
        if self.has_remote and not self.git_path and self.name:
            self.git_path = default_repository_path(self.name)
        if not self.git_branch:
            self.git_branch = DEFAULT_BRANCH

    def _check_git_settings(self):
        checks = {
            'git_remote_url': check_remote_url(self.git_remote_url) if self.git_remote_url else None,
            'git_branch': check_branch(self.git_branch),
            'git_path': check_repository_path(self.git_path) if self.has_remote else None,
        }
        if problems := {name: problem for name, problem in checks.items() if problem}:
            raise ValidationError(problems)

    def _check_remote_permission(self):
        # Every way an editor saves a fabric (edit form, bulk edit, CSV import, REST API, and NetBox's
        # background variants, which replay the request) comes through full_clean() with the request
        # in current_request: checked here, it is checked for all of them. No request at all (the
        # shell, `netbox hedgehog`) is the administrator's own doing.
        request = current_request.get()
        if request is not None and (problems := remote_change_refused(self, self._stored(), request.user)):
            raise ValidationError(problems)

    def _stored(self):
        """This fabric as the database holds it, or None for a new one."""
        return HedgehogFabric.objects.filter(pk=self.pk).first() if self.pk else None

    def _check_no_overlap(self):
        # One tree inside another would let two fabrics ingest each other's files.
        others = HedgehogFabric.objects.exclude(pk=self.pk).values_list('name', 'gitops_path')
        for name, path in others:
            if paths_overlap(path, self.gitops_path):
                raise ValidationError(
                    {
                        'gitops_path': _('{path!r} overlaps the tree of fabric {name!r} ({other!r}).').format(
                            path=self.gitops_path, name=name, other=path
                        )
                    }
                )

    def _check_tree_can_be_made(self):
        # Common causes become field errors in forms and the API; onboarding guards the rest.
        if problems := tree_problems(self, self._stored(), gitops_root()):
            raise ValidationError({field or '__all__': message for field, message in problems.items()})

    def serialize_object(self, exclude=None):
        # Change records are shown to anyone who may view the changelog: no credentials reference there.
        return super().serialize_object(exclude=[*(exclude or ()), 'git_credentials_unmigrated'])

    def save(self, *args, **kwargs):
        # Saves that skip clean() (ORM, scripts) still get the default path.
        if not self.gitops_path:
            self.gitops_path = default_gitops_path(self.name)
        self._set_git_defaults()
        # A script or shell save skips clean(): a secret in the URL must still never reach the database.
        self._check_git_settings()
        # post_save onboarding runs inside this transaction even under autocommit (ORM, shell), so
        # a failed onboarding takes the new row with it.
        with transaction.atomic(using=router.db_for_write(type(self))):
            super().save(*args, **kwargs)

    def delete(self, using=None, *args, **kwargs):
        """Delete the fabric; its index rows, runs and ingested-file records go first, in bulk (models/deletion.py).

        Every way of deleting a fabric (its page, bulk delete, the API, the shell) comes here, so
        Django's collector and NetBox's signals only ever see the fabric itself: its one change
        record says, in its message, what went with it. The tree's files stay.
        """
        with transaction.atomic(using=using or router.db_for_write(type(self), instance=self)):
            self._deleted_records = delete_fabric_records([self.pk])
            return _with_records(super().delete(using, *args, **kwargs), self._deleted_records)

    delete.alters_data = True

    def to_objectchange(self, action):
        objectchange = super().to_objectchange(action)
        records = getattr(self, '_deleted_records', None)
        if records is not None and any(records.by_model().values()):
            # The rows deleted in bulk have no change records of their own: the fabric's says what went.
            message = '; '.join(filter(None, (objectchange.message, records.summary())))
            objectchange.message = message[: type(objectchange)._meta.get_field('message').max_length]
        return objectchange
