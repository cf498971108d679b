from core.api.serializers_.jobs import JobSerializer
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from netbox.api.authentication import TokenPermissions
from netbox.api.viewsets import NetBoxModelViewSet, NetBoxReadOnlyModelViewSet
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from netbox_hedgehog import filtersets, probes
from netbox_hedgehog.api import serializers
from netbox_hedgehog.core.tree import UnsafePathError
from netbox_hedgehog.downloads import wiring_export
from netbox_hedgehog.error_answers import error_detail
from netbox_hedgehog.forms import RawFileForm
from netbox_hedgehog.health_jobs import stored_health
from netbox_hedgehog.jobs import IngestionJob
from netbox_hedgehog.models import FindingAcknowledgement, HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.models.resource import INDEX_ORDER, RUN_SUMMARY_ONLY
from netbox_hedgehog.resource_references import resource_references
from netbox_hedgehog.services.fabrics import check_git_connection
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.services.repair import fix
from netbox_hedgehog.services.repository import GitError
from netbox_hedgehog.services.run_records import IngestionFailed
from netbox_hedgehog.services.upload import UploadFailed, UploadRefused, add_raw_file, discard_raw_file

TRUE_VALUES = ('1', 'true', 'yes', 'on')


def json_answers(*codes):
    """An action's answers for its OpenAPI schema: a JSON object with each of these HTTP statuses."""
    return {code: OpenApiTypes.OBJECT for code in codes}


class TokenChangePermission(TokenPermissions):
    """Ingest, re-index and upload change what a fabric holds: they need its change permission, not the add of POST."""

    perms_map = {**TokenPermissions.perms_map, 'POST': ['%(app_label)s.change_%(model_name)s']}


class HedgehogFabricViewSet(NetBoxModelViewSet):
    queryset = HedgehogFabric.objects.all()
    serializer_class = serializers.HedgehogFabricSerializer
    filterset_class = filtersets.HedgehogFabricFilterSet

    def get_permissions(self):
        if self.action in ('ingest', 'reindex', 'test_connection', 'upload', 'discard', 'forget_missing'):
            return [TokenChangePermission()]
        return super().get_permissions()

    def _fabric_to_change(self, request, pk):
        # initial() restricted self.queryset for 'add' (what POST means elsewhere): start again from 'change'.
        return get_object_or_404(HedgehogFabric.objects.restrict(request.user, 'change'), pk=pk)

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter('sync', OpenApiTypes.BOOL, description='Run inline and answer with the outcome'),
            OpenApiParameter(
                'dry_run', OpenApiTypes.BOOL, description='With sync: answer with the plan only; change nothing'
            ),
            OpenApiParameter(
                'adopt_unmanaged',
                OpenApiTypes.BOOL,
                description='Also move unmanaged/ documents of kinds managed now to managed/ (INGEST_ADOPTABLE)',
            ),
        ],
        responses={202: JobSerializer, **json_answers(200, 409, 503, 507)},
    )
    @action(detail=True, methods=['post'])
    def ingest(self, request, pk):
        """Ingest the fabric's raw/ folder: enqueue a job (202), or with `?sync=true` run now (200, the outcome;
        with `&dry_run=true` only the plan). `?adopt_unmanaged=true` also moves the unmanaged/ documents of
        kinds managed now to managed/ (the plan offers them as INGEST_ADOPTABLE otherwise).

        A run that failed as a whole (the tree cannot be written, the database failed) answers 507 when the
        disk is full, else 503, with the reason and the run's id; one file's fault is a finding in the outcome.
        """
        fabric = self._fabric_to_change(request, pk)
        adopt = request.query_params.get('adopt_unmanaged', '').lower() in TRUE_VALUES
        if request.query_params.get('sync', '').lower() not in TRUE_VALUES:
            job = IngestionJob.enqueue(instance=fabric, user=request.user, trigger='api', adopt_unmanaged=adopt)
            return Response(JobSerializer(job, context={'request': request}).data, status=status.HTTP_202_ACCEPTED)
        dry_run = request.query_params.get('dry_run', '').lower() in TRUE_VALUES
        try:
            outcome = ingest(fabric, trigger='api', user=request.user, dry_run=dry_run, adopt_unmanaged=adopt)
        except FabricLocked as exc:
            return Response({'detail': error_detail(request, exc, fabric)}, status=status.HTTP_409_CONFLICT)
        except GitError as exc:
            return _git_error_response(request, exc, fabric)
        except IngestionFailed as exc:
            return Response({'detail': error_detail(request, exc, fabric), 'run': exc.run}, status=exc.http_status)
        return Response(outcome.as_dict())

    @extend_schema(request=None, responses=json_answers(200, 409))
    @action(detail=True, methods=['post'])
    def reindex(self, request, pk):
        """Rebuild the fabric's index rows from its managed/ files (rows follow files; files are never touched)."""
        fabric = self._fabric_to_change(request, pk)
        try:
            result = reindex(fabric)
        except FabricLocked as exc:
            return Response({'detail': error_detail(request, exc, fabric)}, status=status.HTTP_409_CONFLICT)
        return Response(result.as_dict())

    @extend_schema(
        request={'application/json': OpenApiTypes.OBJECT},
        responses=json_answers(200, 400, 409),
    )
    @action(detail=True, methods=['post'])
    def discard(self, request, pk):
        """Take a waiting file out of raw/ (`{"file": "raw/<name>"}`); its bytes are kept in .hnp/discarded/.

        200 with where they are kept; 400 when there is no such waiting file (nothing changed); 409 while an
        ingestion runs; 507 when the disk is full and 503 when it refused otherwise (the file stays in raw/).
        """
        fabric = self._fabric_to_change(request, pk)
        path = str(request.data.get('file', ''))
        try:
            kept = discard_raw_file(fabric, path.removeprefix('raw/'))
        except (UploadRefused, UnsafePathError, FabricLocked, UploadFailed) as exc:
            return _refused(request, exc, fabric)
        return Response({'file': path, 'kept_as': kept})

    @extend_schema(request=None, responses={(200, 'application/yaml'): OpenApiTypes.STR, **json_answers(403)})
    @action(detail=True, methods=['get'])
    def export(self, request, pk):
        """The fabric's managed objects as one multi-document wiring YAML, in hhfab's order (services.export).

        Needs view permission on the fabric and on resources, and an authenticated caller (it reads every
        managed file). The `X-Hedgehog-Objects` header counts the objects exported, `X-Hedgehog-Skipped` the
        managed files left out (the health check names what is wrong with them).
        """
        if not request.user.is_authenticated or not request.user.has_perm('netbox_hedgehog.view_hedgehogresource'):
            raise PermissionDenied('Exporting needs the permission to view resources.')
        return wiring_export(self.get_object())

    @extend_schema(request=None, responses=json_answers(200, 400))
    @action(detail=True, methods=['post'], url_path='test-connection')
    def test_connection(self, request, pk):
        """Reach the fabric's git remote (`git ls-remote`) with the credentials configured for its URL, if any."""
        fabric = self._fabric_to_change(request, pk)
        if not fabric.has_remote:
            return Response({'detail': 'This fabric has no git remote.'}, status=status.HTTP_400_BAD_REQUEST)
        return Response(check_git_connection(fabric).as_dict())

    @extend_schema(
        request={'application/json': OpenApiTypes.OBJECT, 'multipart/form-data': OpenApiTypes.OBJECT},
        responses=json_answers(201, 200, 400, 409, 503, 507),
    )
    @action(detail=True, methods=['post'])
    def upload(self, request, pk):
        """Add YAML to the fabric's raw/: `file` (multipart) or `text` with `name`, and `replace`, as the UI's form.

        201 with where the file went and its findings (it is written even with errors, as ingestion would keep
        it in raw/); 200 when raw/ already held these bytes under that name; 400 when refused (nothing
        written); 409 when replacing during an ingestion; 507 when the disk is full and 503 when it refused
        otherwise (an immutable raw/ or file), raw/ left as it was.
        """
        fabric = self._fabric_to_change(request, pk)
        form = RawFileForm(data=request.data, files=request.FILES)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        name, data = form.named_content()
        try:
            upload = add_raw_file(fabric, name, data, replace=form.cleaned_data['replace'])
        except (UploadRefused, UnsafePathError, FabricLocked, UploadFailed) as exc:
            return _refused(request, exc, fabric)
        return Response(upload.as_dict(), status=status.HTTP_201_CREATED if upload.written else status.HTTP_200_OK)

    @extend_schema(
        request={'application/json': OpenApiTypes.OBJECT},
        responses=json_answers(200, 400, 409),
    )
    @action(detail=True, methods=['post'], url_path='forget-missing')
    def forget_missing(self, request, pk):
        """Forget missing objects: `{"paths": [...]}` names the missing managed files whose deletion was intended.

        Their index rows are dropped (by a fix run now: every other repair is made too, and other missing
        files are written back); with `"dry_run": true` only the plan. The paths are the confirmation: the
        fabric's health lists them (HEALTH_MANAGED_MISSING). 400 without paths, 409 while the fabric is locked.
        """
        fabric = self._fabric_to_change(request, pk)
        paths = request.data.get('paths') if isinstance(request.data, dict) else None
        if not isinstance(paths, list) or not paths or not all(isinstance(path, str) for path in paths):
            detail = 'Name the missing managed files to forget: {"paths": ["managed/<dir>/<name>.yaml", ...]}.'
            return Response({'detail': detail}, status=status.HTTP_400_BAD_REQUEST)
        dry_run = request.data.get('dry_run') in (True, *TRUE_VALUES)
        try:
            result = fix(fabric, dry_run=dry_run, forget_missing=paths)
        except FabricLocked as exc:
            return Response({'detail': str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(result.as_dict())

    @extend_schema(responses=json_answers(200))
    @action(detail=True, methods=['get'])
    def health(self, request, pk):
        """The fabric's health: status, score, findings and the time the check took.

        Checked now (a tree walk and, with a remote, a git fetch): never for an anonymous caller, even where
        NetBox lets anonymous users view (EXEMPT_VIEW_PERMISSIONS). The stored results are at `health/`.
        """
        if not request.user.is_authenticated:
            raise PermissionDenied('The health of a fabric is checked on request: sign in, or read health/.')
        return Response(check_fabric(self.get_object()).as_dict())


def _git_error_response(request, exc, fabric):
    # A diverged history needs a person (409); anything else is the remote failing us (502).
    code = status.HTTP_409_CONFLICT if exc.code in ('diverged', 'conflict') else status.HTTP_502_BAD_GATEWAY
    return Response({'detail': error_detail(request, exc, fabric), 'git': exc.code}, status=code)


class ProbeView(APIView):
    """A Kubernetes probe: open to anyone (no token, no session), JSON only, a status and nothing else.

    No authentication runs, so a caller's cookie or token costs no query either.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    renderer_classes = (JSONRenderer,)


class LivenessView(ProbeView):
    """Liveness: the process answers. No database, no Redis, no disk (a restart would not fix those)."""

    @extend_schema(responses=json_answers(200))
    def get(self, request):
        return Response({'status': 'alive'})


class ReadinessView(ProbeView):
    """Readiness: 200 while the database, Redis and gitops_root can serve, 503 otherwise (see probes.py)."""

    @extend_schema(responses=json_answers(200, 503))
    def get(self, request):
        if probes.readiness.ready():
            return Response({'status': 'ready'})
        return Response({'status': 'unready'}, status=status.HTTP_503_SERVICE_UNAVAILABLE)


class FabricHealthSummaryView(APIView):
    """Monitoring: each fabric the caller may view, with the status, score and time of its latest scheduled
    health check. Read from the stored results, never checked on the request (see health_jobs.py)."""

    # TokenPermissions (the default) reads the model from here: GET needs view_hedgehogfabric.
    queryset = HedgehogFabric.objects.all()

    @extend_schema(responses=json_answers(200))
    def get(self, request):
        fabrics = HedgehogFabric.objects.restrict(request.user, 'view').order_by('name')
        results = stored_health(fabrics)
        return Response({'count': len(results), 'results': results})


class HedgehogResourceViewSet(NetBoxReadOnlyModelViewSet):
    """Read-only: resource rows are rebuilt from managed/ files by ingestion and re-index."""

    queryset = HedgehogResource.objects.order_by(*INDEX_ORDER)
    serializer_class = serializers.HedgehogResourceSerializer
    filterset_class = filtersets.HedgehogResourceFilterSet
    # A nested run is displayed with its fabric's name (without this, one query per row), and without its
    # findings and provenance, which a large run holds megabytes of.
    field_prefetches = {
        ('last_run',): (Prefetch('last_run', IngestionRun.objects.defer(*RUN_SUMMARY_ONLY).select_related('fabric')),)
    }

    def retrieve(self, request, *args, **kwargs):
        """One resource, with `references` both ways (as its page shows them): {'refers_to': [...],
        'referred_by': [...]}, each {kind, name, id, url}; id and url are null for a target the index does
        not hold. Only on this answer: listing them for every row of a list would cost a scan per row."""
        response = super().retrieve(request, *args, **kwargs)
        found = resource_references(self.get_object(), request.user)
        response.data['references'] = {
            direction: [_reference(entry, request) for entry in entries] for direction, entries in found.items()
        }
        return response


def _reference(entry, request):
    pk = entry['pk']
    url = reverse('plugins-api:netbox_hedgehog-api:hedgehogresource-detail', args=[pk]) if pk else None
    return {'kind': entry['kind'], 'name': entry['name'], 'id': pk, 'url': url and request.build_absolute_uri(url)}


class IngestionRunViewSet(NetBoxReadOnlyModelViewSet):
    """Read-only: runs are recorded by the ingestion service (the UI lets people delete old ones)."""

    queryset = IngestionRun.objects.all()
    serializer_class = serializers.IngestionRunSerializer
    filterset_class = filtersets.IngestionRunFilterSet


class FindingAcknowledgementViewSet(NetBoxReadOnlyModelViewSet):
    """The findings people acknowledged as expected, per fabric (made and withdrawn on the Health tab)."""

    queryset = FindingAcknowledgement.objects.select_related('fabric')
    serializer_class = serializers.FindingAcknowledgementSerializer
    filterset_class = filtersets.FindingAcknowledgementFilterSet


def _refused(request, exc, fabric):
    """The answer to an upload or a discard the service refused: 409 while an ingestion holds the fabric, the
    disk's own status (507 full, else 503) when it refused, else 400 (nothing was written)."""
    if isinstance(exc, FabricLocked):
        code = status.HTTP_409_CONFLICT
    elif isinstance(exc, UploadFailed):
        code = exc.http_status
    else:
        code = status.HTTP_400_BAD_REQUEST
    return Response({'detail': error_detail(request, exc, fabric)}, status=code)
