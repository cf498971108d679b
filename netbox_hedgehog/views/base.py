"""What the fabric pages share: a POST-only action on one fabric, the job it queued, a page of an object's own
(a confirmation, a form), tabs for signed-in users."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from netbox.views.generic.base import BaseObjectView
from utilities.permissions import get_permission_for_model
from utilities.views import GetReturnURLMixin

from netbox_hedgehog.models import HedgehogFabric


class FabricActionView(GetReturnURLMixin, BaseObjectView):
    """A button on the fabric page that POSTs an action; it needs the change permission."""

    queryset = HedgehogFabric.objects.all()

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'change')

    def get(self, request, pk):
        return redirect(self.get_object(pk=pk).get_absolute_url())


def show_job(request, job, fallback):
    """Where to go after queueing `job`: its log, which fills as it runs, for those who may see jobs."""
    if request.user.has_perm('core.view_job'):
        return redirect('core:job_log', pk=job.pk)
    return redirect(fallback)


def object_page(request, template_name, obj, **context):
    """A page of its own about `obj` (a confirmation, a form) in the frame of the object's page: its header, no
    action buttons, no tab selected; `context` fills the template."""
    return render(request, template_name, {'object': obj, 'actions': [], 'tab': None, **context})


class SignedInOnlyMixin:
    """A check walks the tree and fetches from the remote: never for an anonymous visitor, even where NetBox
    lets anonymous users view (EXEMPT_VIEW_PERMISSIONS); they are sent to sign in."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)
