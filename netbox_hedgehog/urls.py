from django.urls import include, path
from utilities.urls import get_model_urls

from netbox_hedgehog import views  # noqa: F401  (registers the model views)

urlpatterns = (
    path('fabrics/', include(get_model_urls('netbox_hedgehog', 'hedgehogfabric', detail=False))),
    path('fabrics/<int:pk>/', include(get_model_urls('netbox_hedgehog', 'hedgehogfabric'))),
    path('resources/', include(get_model_urls('netbox_hedgehog', 'hedgehogresource', detail=False))),
    path('resources/<int:pk>/', include(get_model_urls('netbox_hedgehog', 'hedgehogresource'))),
    path('runs/', include(get_model_urls('netbox_hedgehog', 'ingestionrun', detail=False))),
    path('runs/<int:pk>/', include(get_model_urls('netbox_hedgehog', 'ingestionrun'))),
)
