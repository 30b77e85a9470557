"""Login throttling with django-axes: the backend and the locked-out page.

The settings (AXES_*) say how many failures lock an account and for how long; this
module adapts axes to the project and says, in the user's language, what a
locked-out person sees: the page answers HTTP 429 with how long to wait and who can
unlock sooner, on the site's login page and the admin's alike.
"""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check for logins made through a page.

    `authenticate()` called without a request (a command, a script, a test helper)
    has no visitor to throttle: axes would raise, so it is passed on to the next
    backend instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def login_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The page for a login refused because the account is locked (HTTP 429)."""
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0
    message = (
        ngettext(
            "Too many failed logins for this account: it is locked for %(minutes)d "
            "minute. Try again later, or ask an administrator to unlock it.",
            "Too many failed logins for this account: it is locked for %(minutes)d "
            "minutes. Try again later, or ask an administrator to unlock it.",
            minutes,
        )
        % {"minutes": minutes}
        if minutes
        else _(
            "Too many failed logins for this account: it is locked. Ask an "
            "administrator to unlock it."
        )
    )
    admin_login = reverse("admin:login")
    login_url = admin_login if request.path == admin_login else reverse("login")
    return render(
        request,
        "registration/locked_out.html",
        {"message": message, "login_url": login_url},
        status=429,
    )
