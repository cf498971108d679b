"""Actions on one fabric (POST): ingest, fix, forget missing files, export, test the remote, adopt, check health."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from netbox.views.generic.base import BaseObjectView
from utilities.permissions import get_permission_for_model
from utilities.views import register_model_view

from netbox_hedgehog.core.plan_model import FileAction
from netbox_hedgehog.core.tree import RAW, UNMANAGED, UnsafePathError
from netbox_hedgehog.downloads import wiring_export
from netbox_hedgehog.error_answers import error_detail
from netbox_hedgehog.health_jobs import FabricHealthJob
from netbox_hedgehog.jobs import IngestionJob, RepairJob
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.fabrics import check_git_connection
from netbox_hedgehog.services.health import missing_managed
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.repository import GitError
from netbox_hedgehog.services.run_records import IngestionFailed
from netbox_hedgehog.ui.panels import (
    finding_rows,
)
from netbox_hedgehog.views.base import FabricActionView, object_page, show_job


@register_model_view(HedgehogFabric, 'ingest', path='ingest')
class HedgehogFabricIngestView(FabricActionView):
    """The fabric page's Ingest button: queue an ingestion job and show its log."""

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        job = IngestionJob.enqueue(instance=fabric, user=request.user, trigger='ui')
        messages.success(request, _('Queued ingestion job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric))
        return show_job(request, job, self.get_return_url(request, fabric))


@register_model_view(HedgehogFabric, 'fix', path='fix')
class HedgehogFabricFixView(FabricActionView):
    """The Health tab's Fix button: queue a repair job (safe repairs only) and show its log."""

    def get(self, request, pk):
        return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        job = RepairJob.enqueue(instance=fabric, user=request.user)
        messages.success(request, _('Queued fix job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric))
        return show_job(request, job, reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]))


@register_model_view(HedgehogFabric, 'forget_missing', path='forget-missing')
class HedgehogFabricForgetMissingView(FabricActionView):
    """Forget missing objects: the confirmation page, then a fix job that drops the confirmed rows.

    GET lists the managed files missing now (`?path=` narrows it to one) and what fix would otherwise
    do; POST carries the paths the person saw and confirmed, and only those rows are dropped (a file
    that came back meanwhile is restored instead, since it is no longer missing).
    """

    template_name = 'netbox_hedgehog/hedgehogfabric_forget_missing.html'

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        missing = missing_managed(fabric)
        if wanted := request.GET.get('path'):
            missing = [item for item in missing if item.path == wanted]
        return_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk])
        return object_page(request, self.template_name, fabric, missing=missing, return_url=return_url)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        confirmed = request.POST.getlist('path')
        if not confirmed or request.POST.get('confirm') != 'true':
            messages.warning(request, _('Nothing was forgotten: confirm the listed objects first.'))
            return redirect('plugins:netbox_hedgehog:hedgehogfabric_forget_missing', pk=pk)
        job = RepairJob.enqueue(instance=fabric, user=request.user, forget=confirmed)
        messages.success(
            request,
            _('Queued fix job #{id} for fabric {fabric}: {count} missing object(s) to forget.').format(
                id=job.pk, fabric=fabric, count=len(confirmed)
            ),
        )
        return show_job(request, job, reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]))


@register_model_view(HedgehogFabric, 'export', path='export')
class HedgehogFabricExportView(BaseObjectView):
    """The Export wiring button: the managed objects as one YAML file to download (services.export)."""

    queryset = HedgehogFabric.objects.all()
    # The export is the managed objects themselves: whoever may view the fabric and its resources.
    additional_permissions = ['netbox_hedgehog.view_hedgehogresource']

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'view')

    def get(self, request, pk):
        if not request.user.is_authenticated:  # it reads every managed file: never for an anonymous caller
            return redirect_to_login(request.get_full_path())
        return wiring_export(self.get_object(pk=pk))


@register_model_view(HedgehogFabric, 'test_connection', path='test-connection')
class HedgehogFabricTestConnectionView(FabricActionView):
    """The fabric page's Test connection button: a real `git ls-remote` with the fabric's credentials."""

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        if not fabric.has_remote:
            messages.warning(request, _('Fabric {fabric} has no git remote.').format(fabric=fabric))
        else:
            result = check_git_connection(fabric)
            (messages.success if result.ok else messages.error)(request, result.message)
        return redirect(self.get_return_url(request, fabric))


@register_model_view(HedgehogFabric, 'adopt', path='adopt')
class HedgehogFabricAdoptView(FabricActionView):
    """Move to managed/ the unmanaged/ documents of kinds managed now (the gateway kinds, in a tree ingested
    before them): GET shows the dry run, POST queues the ingestion that does it (adopt_unmanaged)."""

    template_name = 'netbox_hedgehog/hedgehogfabric_adopt.html'

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        context = {'moves': [], 'problem': None}
        try:
            plan = ingest(fabric, trigger='ui', user=request.user, dry_run=True, adopt_unmanaged=True).plan
        except (FabricLocked, IngestionFailed, GitError, UnsafePathError) as exc:
            context['problem'] = error_detail(request, exc, fabric)
        else:
            context['moves'] = [
                {
                    'file': file_plan.path,
                    'ingested': file_plan.action == FileAction.INGEST,
                    'documents': file_plan.documents,
                    'findings': finding_rows([finding.as_dict() for finding in file_plan.findings]),
                }
                for file_plan in plan.files
                if file_plan.path.startswith(f'{UNMANAGED}/')
            ]
            context['raw_files'] = sum(1 for file_plan in plan.files if file_plan.path.startswith(f'{RAW}/'))
        return object_page(request, self.template_name, fabric, **context)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        job = IngestionJob.enqueue(instance=fabric, user=request.user, trigger='ui', adopt_unmanaged=True)
        messages.success(request, _('Queued ingestion job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric))
        return show_job(request, job, fabric.get_absolute_url())


@register_model_view(HedgehogFabric, 'check_health', path='check-health')
class HedgehogFabricCheckHealthView(FabricActionView):
    """The Health tab's Check now button: queue a health check of the fabric and show its log.

    Checking changes nothing in the tree (the fabric's GitOps status follows the result), so viewing the
    fabric is enough; never for an anonymous visitor.
    """

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'view')

    def get(self, request, pk):
        return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)

    def post(self, request, pk):
        if not request.user.is_authenticated:
            return redirect_to_login(reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]))
        fabric = self.get_object(pk=pk)
        job = FabricHealthJob.enqueue(instance=fabric, user=request.user)
        messages.success(
            request, _('Queued health check job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric)
        )
        return show_job(request, job, reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]))
