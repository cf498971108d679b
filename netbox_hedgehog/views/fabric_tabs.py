"""A fabric's tabs: topology, unmanaged documents, health (with acknowledgements and the report)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from netbox.ui import layout
from netbox.views import generic
from netbox.views.generic.base import BaseObjectView
from utilities.permissions import get_permission_for_model
from utilities.views import ViewTab, register_model_view

from netbox_hedgehog.choices import HealthStatusChoices
from netbox_hedgehog.core.health_codes import CODES as health_codes
from netbox_hedgehog.core.health_report import ACKNOWLEDGEABLE, acknowledged_report
from netbox_hedgehog.core.topology import TOPOLOGY_KINDS, build_topology
from netbox_hedgehog.core.tree import UnsafePathError
from netbox_hedgehog.downloads import attachment
from netbox_hedgehog.error_answers import error_detail
from netbox_hedgehog.models import FabricHealth, FindingAcknowledgement, HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.health import acknowledgements
from netbox_hedgehog.services.health_managed import MissingSource
from netbox_hedgehog.services.health_report import markdown_report
from netbox_hedgehog.services.unmanaged import unmanaged_documents
from netbox_hedgehog.topology_render import to_dot, to_mermaid, to_svg
from netbox_hedgehog.ui.panels import (
    SelfHealingPanel,
    finding_rows,
)
from netbox_hedgehog.views.base import FabricActionView, SignedInOnlyMixin, object_page

# The downloads of the Topology tab: ?format= -> (renderer, content type, file suffix).
TOPOLOGY_FORMATS = {
    'svg': (to_svg, 'image/svg+xml', 'svg'),
    'mermaid': (to_mermaid, 'text/plain; charset=utf-8', 'mmd'),
    'dot': (to_dot, 'text/vnd.graphviz; charset=utf-8', 'dot'),
}


@register_model_view(HedgehogFabric, 'topology', path='topology')
class HedgehogFabricTopologyView(SignedInOnlyMixin, generic.ObjectView):
    """The Topology tab: the wiring drawn from the index (switches, connections, external attachments).

    `?format=svg|mermaid|dot` downloads the drawing. The picture is built from every Connection of the
    fabric: a person's request, never an anonymous visitor's (sent to sign in, as on the Health tab).
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_topology.html'
    tab = ViewTab(label=_('Topology'), weight=550, permission='netbox_hedgehog.view_hedgehogresource')

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm('netbox_hedgehog.view_hedgehogresource'):
            return HttpResponseForbidden()
        if (wanted := request.GET.get('format')) in TOPOLOGY_FORMATS:
            fabric = self.get_object(**kwargs)
            render_as, content_type, suffix = TOPOLOGY_FORMATS[wanted]
            return attachment(
                render_as(self.topology(request, fabric)), content_type, f'{fabric.name}-topology.{suffix}'
            )
        return super().get(request, *args, **kwargs)

    @staticmethod
    def topology(request, fabric):
        objects = (
            HedgehogResource.objects.restrict(request.user, 'view')
            .filter(fabric=fabric, kind__in=TOPOLOGY_KINDS)
            .values_list('kind', 'name', 'spec')
        )
        return build_topology(objects)

    def get_extra_context(self, request, instance):
        topology = self.topology(request, instance)
        return {'topology': topology, 'svg': mark_safe(to_svg(topology)), 'formats': TOPOLOGY_FORMATS}


@register_model_view(HedgehogFabric, 'unmanaged', path='unmanaged')
class HedgehogFabricUnmanagedView(SignedInOnlyMixin, generic.ObjectView):
    """The Unmanaged tab: the foreign documents kept in unmanaged/, each with why (services.unmanaged).

    It reads the tree: never for an anonymous visitor, who is sent to sign in (as on the Health tab).
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_unmanaged.html'
    tab = ViewTab(label=_('Unmanaged'), weight=650)

    def get_extra_context(self, request, instance):
        can_adopt = request.user.has_perm('netbox_hedgehog.change_hedgehogfabric', instance)
        try:
            return {'listing': unmanaged_documents(instance), 'problem': None, 'can_adopt': can_adopt}
        except (UnsafePathError, OSError) as exc:
            return {'listing': None, 'problem': error_detail(request, exc, instance)}


@register_model_view(HedgehogFabric, 'health', path='health')
class HedgehogFabricHealthView(SignedInOnlyMixin, generic.ObjectView):
    """The Health tab: the latest check's report, as the check stored it (the scheduled health job, or Check now).

    Opening the tab reads that one row: a check walks and hashes the whole tree (seconds on a large fabric)
    and fetches from the remote. The report shows findings about the tree: never for an anonymous visitor,
    even where NetBox lets anonymous users view (EXEMPT_VIEW_PERMISSIONS); they are sent to sign in. Below it
    the self-healing panel (last automatic repairs, the report download).
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_health.html'
    tab = ViewTab(label=_('Health'), weight=600)
    layout = layout.Layout(layout.Row(layout.Column(SelfHealingPanel())))

    def get_extra_context(self, request, instance):
        stored = FabricHealth.objects.filter(fabric=instance).first()
        report = stored.report if stored else {}
        can_change = request.user.has_perm('netbox_hedgehog.change_hedgehogfabric', instance)
        acknowledge_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_acknowledge', args=[instance.pk])
        findings = []
        for row in finding_rows(report.get('findings', [])):
            fixable = health_codes[row['code']].fixable if row['code'] in health_codes else False
            # Expected warnings and infos may be acknowledged (or no longer) by those who may change the fabric.
            expected = can_change and row['severity'] in ACKNOWLEDGEABLE
            query = urlencode({'code': row['code'], 'file': row['file'], 'path': row['path']})
            findings.append({**row, 'fixable': fixable, 'ack_url': f'{acknowledge_url}?{query}' if expected else None})
        missing = report.get('missing', [])
        return {
            'report': report,
            'checked': stored.checked if stored else None,
            'status_color': HealthStatusChoices.colors.get(report.get('status')),
            'missing': missing,
            'forgettable': any(item['source'] != MissingSource.COMMITTED for item in missing),
            'findings': findings,
            'fixable': sum(finding['fixable'] for finding in findings),
            'can_fix': can_change,
        }


@register_model_view(HedgehogFabric, 'acknowledge', path='acknowledge')
class HedgehogFabricAcknowledgeView(FabricActionView):
    """Acknowledge an expected finding of the Health tab with a reason (GET: the form), or withdraw it (POST with
    `withdraw`). The stored report is marked and its status and score recomputed at once; change-logged."""

    template_name = 'netbox_hedgehog/hedgehogfabric_acknowledge.html'

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        finding = {name: request.GET.get(name, '') for name in ('code', 'file', 'path')}
        return object_page(request, self.template_name, fabric, **finding)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        key = {name: request.POST.get(name, '') for name in ('code', 'file', 'path')}
        reason = request.POST.get('reason', '').strip()
        if request.POST.get('withdraw'):
            for acknowledgement in FindingAcknowledgement.objects.filter(fabric=fabric, **key):
                acknowledgement.delete()  # one by one: each deletion is change-logged
        elif not reason or not key['code']:
            messages.error(request, _('Say why this finding is expected: a reason is required.'))
            return redirect(f'{request.path}?{urlencode(key)}')
        elif any(len(value) > FindingAcknowledgement._meta.get_field(name).max_length for name, value in key.items()):
            messages.error(request, _('No finding has so long a code, file or field path; nothing was acknowledged.'))
            return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)
        else:
            FindingAcknowledgement.objects.update_or_create(fabric=fabric, **key, defaults={'reason': reason[:500]})
        stored = FabricHealth.objects.filter(fabric=fabric).first()
        if stored is not None:
            stored.report = acknowledged_report(stored.report, acknowledgements(fabric))
            stored.save(update_fields=['report'])
        return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)


@register_model_view(HedgehogFabric, 'health_report', path='health/report')
class HedgehogFabricHealthReportView(SignedInOnlyMixin, BaseObjectView):
    """The Health tab's download: the Markdown health report, as `hedgehog health --report` writes it, for
    whoever may view the fabric (and so its Health tab)."""

    queryset = HedgehogFabric.objects.all()

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'view')

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        stamp = timezone.now().strftime('%Y%m%dT%H%M%SZ')
        return attachment(markdown_report([fabric]), 'text/markdown; charset=utf-8', f'{fabric.name}-health-{stamp}.md')
