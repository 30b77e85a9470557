"""API URLs under /api/: v1 resources and the OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import views

router = SimpleRouter()
router.register("models", views.AnalyticsModelViewSet, basename="model")
router.register("insights", views.InsightViewSet, basename="insight")
router.register("predictions", views.PredictionViewSet, basename="prediction")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
