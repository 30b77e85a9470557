"""Top-level URLs: the admin, each app's pages, and the mounted ML backend server."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The ML backend protocol has fixed paths (/version, /training, ...): mounted
    # under a prefix and outside i18n so Moodle's client can use it unchanged.
    path("mlbackend/", include("mlbackend.urls")),
    # Probes and scrapers use fixed paths: /healthz and /metrics.
    path("", include("ops.urls")),
    # LTI 1.3: platforms register fixed URLs (login, launch, keyset).
    path("lti/", include("lti.urls")),
    path("api/", include("api.urls")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("analytics/", include("models_app.urls")),
    path("insights/", include("insights.urls")),
    path("", RedirectView.as_view(pattern_name="insights:list"), name="home"),
    prefix_default_language=False,
)
