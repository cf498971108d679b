from django.urls import path
from netbox.api.routers import NetBoxRouter

from . import views

app_name = 'netbox_hedgehog'

router = NetBoxRouter()
router.register('fabrics', views.HedgehogFabricViewSet)
router.register('resources', views.HedgehogResourceViewSet)
router.register('runs', views.IngestionRunViewSet)

urlpatterns = [path('health/', views.ReadinessView.as_view(), name='readiness'), *router.urls]
