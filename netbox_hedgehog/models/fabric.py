from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, router, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from netbox.models import PrimaryModel
from netbox.models.features import JobsMixin
from netbox.plugins import get_plugin_config

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.gitops.tree import TreeLayout, check_gitops_path, default_gitops_path, paths_overlap, resolve_tree

__all__ = ('HedgehogFabric',)

# A fabric name is used as a Kubernetes-style label and as the default folder name.
rfc1123_label = RegexValidator(
    regex=r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    message=_('Use lowercase letters, digits and hyphens, starting and ending with a letter or digit (RFC 1123).'),
)


def gitops_root():
    """The folder under which every fabric's tree lives (checked at start-up by the PluginConfig)."""
    return Path(get_plugin_config('netbox_hedgehog', 'gitops_root'))


class HedgehogFabric(JobsMixin, PrimaryModel):
    name = models.CharField(verbose_name=_('name'), max_length=63, unique=True, validators=[rfc1123_label])
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

    clone_fields = ('description',)

    class Meta:
        ordering = ('name',)
        verbose_name = _('fabric')
        verbose_name_plural = _('fabrics')
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
    def tree_path(self):
        """Absolute folder of this fabric's GitOps tree (not resolved: see gitops.tree for the safety checks)."""
        return gitops_root() / self.gitops_path

    def layout(self):
        """The fabric's TreeLayout, after the path safety checks (raises UnsafePathError)."""
        return TreeLayout(resolve_tree(gitops_root(), self.gitops_path))

    def clean(self):
        super().clean()
        if not self.gitops_path and self.name:
            self.gitops_path = default_gitops_path(self.name)
        if self.gitops_path:
            if problem := check_gitops_path(self.gitops_path):
                raise ValidationError({'gitops_path': problem})
            self._check_no_overlap()
            self._check_tree_can_be_made()

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
        from netbox_hedgehog.fabrics import precheck

        if problems := precheck(self):
            raise ValidationError({field or '__all__': message for field, message in problems.items()})

    def save(self, *args, **kwargs):
        # Saves that skip clean() (ORM, scripts) still get the default path.
        if not self.gitops_path:
            self.gitops_path = default_gitops_path(self.name)
        # post_save onboarding runs inside this transaction even under autocommit (ORM, shell), so
        # a failed onboarding takes the new row with it.
        with transaction.atomic(using=router.db_for_write(type(self))):
            super().save(*args, **kwargs)
