"""Cookies and framing for pages a learning platform embeds.

A platform shows Foresight in an iframe on its own site, so the browser only sends
Foresight's cookies there if they are `SameSite=None; Secure`, and only renders the
page if Foresight lets that origin frame it. Both are relaxed only where needed:

- on the LTI paths (/lti/...): cookies cross-site; framing by the origins of every
  enabled registered platform;
- on any page of a session that began with a launch: the same, for the origins of
  the platform that launched it (kept in the session at launch).

Everywhere else the site's defaults stay (`SameSite=Lax` cookies, `X-Frame-Options:
DENY`). The middleware sits before SessionMiddleware so that it sees the session
and CSRF cookies those set on the way out.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import Morsel

from django.http import HttpRequest, HttpResponse

from lti.models import Platform

LTI_PATH_PREFIX = "/lti/"
SESSION_FRAME_ORIGINS = "lti_frame_origins"


def registered_frame_origins() -> list[str]:
    """Origins of every enabled platform, for the LTI paths."""
    origins: set[str] = set()
    for platform in Platform.objects.filter(enabled=True):
        origins.update(platform.allowed_frame_origins())
    return sorted(origins)


class PartitionedMorsel(Morsel):
    """A cookie with the `Partitioned` attribute (CHIPS), which Python 3.11's
    http.cookies cannot write (3.14 can).

    Browsers that block third-party cookies (Chromium's default in some modes,
    Safari, Firefox's strict mode) still keep a partitioned cookie inside an
    iframe, keyed by the embedding site: the platform's iframe gets its own session.
    """

    def OutputString(self, attrs: list[str] | None = None) -> str:  # noqa: N802
        return super().OutputString(attrs) + "; Partitioned"


def _cookies_cross_site(response: HttpResponse) -> None:
    for name, morsel in list(response.cookies.items()):
        partitioned = PartitionedMorsel()
        partitioned.set(morsel.key, morsel.value, morsel.coded_value)
        partitioned.update({k: v for k, v in morsel.items() if v})
        partitioned["samesite"] = "None"
        partitioned["secure"] = True
        response.cookies[name] = partitioned


def _frame_for(response: HttpResponse, origins: list[str]) -> None:
    if not origins:
        return
    if "X-Frame-Options" in response:
        del response["X-Frame-Options"]
    response.xframe_options_exempt = True
    ancestors = "frame-ancestors 'self' " + " ".join(origins)
    existing = response.get("Content-Security-Policy")
    response["Content-Security-Policy"] = (
        f"{existing}; {ancestors}" if existing else ancestors
    )


class LtiFrameMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(LTI_PATH_PREFIX):
            origins: list[str] | None = registered_frame_origins()
        else:
            session = getattr(request, "session", None)
            origins = (
                session.get(SESSION_FRAME_ORIGINS) if session is not None else None
            )
        if origins is None:
            return response
        _cookies_cross_site(response)
        _frame_for(response, list(origins))
        return response
