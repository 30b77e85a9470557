"""API URLs under /api/: v1 resources and the OpenAPI schema.

The routes are those of a REST framework SimpleRouter over the viewsets, written
out so that loading the URLconf (every command's system checks do) imports neither
REST framework nor drf-spectacular: each view is taken from the router on first
use (config/lazyviews.py). tests/api/test_urls.py checks the two agree.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.urls import include, path, re_path

from config.lazyviews import LazyView

#: (prefix, viewset name in api.views, basename), as registered with the router.
RESOURCES = [
    ("models", "AnalyticsModelViewSet", "model"),
    ("insights", "InsightViewSet", "insight"),
    ("predictions", "PredictionViewSet", "prediction"),
]
PK = r"(?P<pk>[0-9]{1,18})"  # the viewsets' lookup_value_regex


def router_urls() -> list[Any]:
    """The URL patterns a SimpleRouter makes of the viewsets (imports them)."""
    from rest_framework.routers import SimpleRouter

    from api import views

    router = SimpleRouter()
    for prefix, viewset, basename in RESOURCES:
        router.register(prefix, getattr(views, viewset), basename=basename)
    return list(router.urls)


@cache
def _router_views() -> dict[str, Any]:
    return {pattern.name: pattern.callback for pattern in router_urls()}


def _routed(regex: str, name: str) -> Any:
    return re_path(regex, LazyView(lambda: _router_views()[name]), name=name)


def _schema_view() -> Any:
    from drf_spectacular.views import SpectacularAPIView

    return SpectacularAPIView.as_view()


v1 = [
    _routed(r"^models/$", "model-list"),
    _routed(rf"^models/{PK}/$", "model-detail"),
    _routed(r"^insights/$", "insight-list"),
    _routed(rf"^insights/{PK}/$", "insight-detail"),
    _routed(rf"^insights/{PK}/predictions/$", "insight-predictions"),
    _routed(r"^predictions/$", "prediction-list"),
    _routed(rf"^predictions/{PK}/$", "prediction-detail"),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", LazyView(_schema_view), name="schema"),
]
