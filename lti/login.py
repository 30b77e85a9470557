"""The OIDC third-party login initiation (LTI 1.3 core, section 5.1.1).

`platform_for_login` finds the registration a platform's login initiation names;
`login_initiate` stores a state and a nonce for ten minutes and returns the
platform's authentication request URL to send the browser to.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from lti import clock
from lti.launch import STATE_LIFETIME
from lti.models import LoginState, Platform, UsedNonce
from lti.refusals import LaunchRefused, deployment_refused, open_again


def platform_for_login(
    *, issuer: str, client_id: str = "", deployment_id: str = ""
) -> Platform:
    """The enabled registration a login initiation names, or LaunchRefused.

    The client id is optional in LTI 1.3 (Moodle sends it); without it the issuer
    must have a single registration.
    """
    if not issuer:
        raise LaunchRefused(
            "missing",
            _("The launch is incomplete: the platform did not say who it is (iss).")
            + " "
            + open_again(),
        )
    platforms = Platform.objects.filter(issuer=issuer, enabled=True)
    if client_id:
        platforms = platforms.filter(client_id=client_id)
    found = list(platforms[:2])
    if len(found) != 1:
        raise LaunchRefused(
            "platform",
            _(
                "This learning platform is not registered in Foresight (issuer "
                "%(issuer)s, client id %(client_id)s). Ask your Foresight "
                "administrator to register it."
            )
            % {"issuer": issuer, "client_id": client_id or "-"},
            f"{len(found)} enabled registrations match",
        )
    platform = found[0]
    if deployment_id and deployment_id not in platform.deployment_ids:
        raise deployment_refused(platform, deployment_id)
    return platform


@transaction.atomic
def login_initiate(
    *, platform: Platform, login_hint: str, message_hint: str, redirect_uri: str
) -> tuple[LoginState, str]:
    """A new login state and the platform URL to send the browser to.

    Expired states and nonces are deleted here: launches are rare enough that
    this keeps both tables small without a scheduled job.
    """
    if not login_hint:
        raise LaunchRefused(
            "missing",
            _("The launch is incomplete: the platform did not say who you are.")
            + " "
            + open_again(),
            "login_hint missing",
        )
    now = clock.now()
    LoginState.objects.filter(expires__lt=now).delete()
    UsedNonce.objects.filter(expires__lt=now).delete()
    state = LoginState.objects.create(
        platform=platform,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        message_hint=message_hint[:2000],
        expires=now + STATE_LIFETIME,
    )
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login_hint,
        "state": state.state,
        "nonce": state.nonce,
    }
    if message_hint:
        params["lti_message_hint"] = message_hint
    separator = "&" if "?" in platform.auth_login_url else "?"
    return state, f"{platform.auth_login_url}{separator}{urlencode(params)}"
