from django.urls import path
from netbox.api.routers import NetBoxRouter

from netbox_hedgehog.api import views

app_name = 'netbox_hedgehog'

router = NetBoxRouter()
router.register('fabrics', views.HedgehogFabricViewSet)
router.register('resources', views.HedgehogResourceViewSet)
router.register('runs', views.IngestionRunViewSet)
router.register('acknowledgements', views.FindingAcknowledgementViewSet)

urlpatterns = [
    # Kubernetes probes, open to anyone: the process answers / this NetBox can do its work.
    path('live/', views.LivenessView.as_view(), name='live'),
    path('ready/', views.ReadinessView.as_view(), name='ready'),
    # Fabric health for monitoring, from the scheduled health check's stored results; needs view permission.
    path('health/', views.FabricHealthSummaryView.as_view(), name='health'),
    *router.urls,
]
