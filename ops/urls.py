"""Operations URLs, outside the language prefix so probes use fixed paths."""

from django.urls import path

from config.lazyviews import LazyViews

#: Imported at the first request, not by every command's URL checks
#: (config/lazyviews.py): /metrics loads the Prometheus client.
views = LazyViews("ops.views")

app_name = "ops"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
]
