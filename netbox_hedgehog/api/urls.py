from netbox.api.routers import NetBoxRouter

from . import views

app_name = 'netbox_hedgehog'

router = NetBoxRouter()
router.register('fabrics', views.HedgehogFabricViewSet)

urlpatterns = router.urls
