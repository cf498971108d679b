from django.urls import include, path
from utilities.urls import get_model_urls

from . import views  # noqa: F401  (registers the model views)

urlpatterns = (
    path('fabrics/', include(get_model_urls('netbox_hedgehog', 'hedgehogfabric', detail=False))),
    path('fabrics/<int:pk>/', include(get_model_urls('netbox_hedgehog', 'hedgehogfabric'))),
)
