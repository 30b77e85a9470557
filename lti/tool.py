"""The tool's own URLs, as the platform's administrator enters them.

Built from FORESIGHT_SITE_URL when it is set (the address platforms reach), else
from the request; the launch view uses the same function for the redirect URI it
sends, so what the admin page shows and what the platform checks never differ.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def tool_base_url(request: HttpRequest | None = None) -> str:
    base = getattr(settings, "FORESIGHT_SITE_URL", "").rstrip("/")
    if not base and request is not None:
        base = request.build_absolute_uri("/").rstrip("/")
    return base


def tool_urls(request: HttpRequest | None = None) -> dict[str, str]:
    """Absolute URLs of the launch (tool URL and redirection URI), login and keyset."""
    base = tool_base_url(request)
    return {
        "launch": base + reverse("lti:launch"),
        "login": base + reverse("lti:login"),
        "jwks": base + reverse("lti:jwks"),
    }
