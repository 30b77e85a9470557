"""`/healthz` for probes (no login) and `/metrics` for Prometheus (a token or staff).

`/metrics` is not public: model names and counts say what a site analyses. A
scraper sends `Authorization: Bearer <FORESIGHT_METRICS_TOKEN>`; a staff member
logged in to the admin may open it in a browser. With no token configured only
staff get in.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from ops.health import health_report
from ops.metrics import metrics_text


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when every part this process needs is up, else 503; JSON either way."""
    healthy, body = health_report()
    return JsonResponse(body, status=200 if healthy else 503)


def _bearer_ok(request: HttpRequest) -> bool:
    expected = getattr(settings, "FORESIGHT_METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    scheme, _sep, given = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format, for the metrics token or a logged-in staff member."""
    user = request.user
    staff = user.is_authenticated and user.is_active and user.is_staff
    if not (staff or _bearer_ok(request)):
        response = HttpResponse(
            _(
                "Send the metrics token (FORESIGHT_METRICS_TOKEN) as "
                '"Authorization: Bearer <token>", or log in as staff.'
            ),
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
