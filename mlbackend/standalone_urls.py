"""URLs of the standalone ML backend server: the protocol's paths at the root."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("", include("mlbackend.urls"))]
