"""Deep linking (LTI Deep Linking 2.0): a teacher adds Foresight to a course.

When a platform sends an `LtiDeepLinkingRequest` (Moodle: "Select content" on the
activity form), the tool answers with one resource link to its launch URL, in an
`LtiDeepLinkingResponse` JWT signed with the tool's own key (published at
/lti/jwks/), auto-posted to the platform's `deep_link_return_url`. Nobody is
signed in to Foresight by it: the link only tells the platform what to launch.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.jwk import RSAKey

from lti import clock
from lti.keys import tool_key_current
from lti.launch import CLAIM, DEPLOYMENT_ID, Launch
from lti.refusals import LaunchRefused

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SETTINGS = DL + "deep_linking_settings"
RESPONSE_LIFETIME_SECONDS = 300


def deep_linking_response(*, launch: Launch, launch_url: str) -> tuple[str, str]:
    """(return URL, signed JWT) answering a checked deep-linking request."""
    settings = launch.claims.get(SETTINGS)
    if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
        raise LaunchRefused(
            "deep_linking",
            _(
                "The platform asked Foresight for content but did not say where to "
                "send it."
            ),
            "deep_linking_settings without deep_link_return_url",
        )
    accepted = settings.get("accept_types") or ["ltiResourceLink"]
    if "ltiResourceLink" not in accepted:
        raise LaunchRefused(
            "deep_linking",
            _(
                "The platform does not accept a link here, which is all Foresight offers."
            ),
            f"accept_types {accepted!r}",
        )
    now = clock.timestamp()
    claims: dict[str, Any] = {
        "iss": launch.platform.client_id,
        "aud": launch.platform.issuer,
        "iat": now,
        "exp": now + RESPONSE_LIFETIME_SECONDS,
        "nonce": secrets.token_urlsafe(16),
        DEPLOYMENT_ID: launch.claims[DEPLOYMENT_ID],
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        DL + "content_items": [
            {
                "type": "ltiResourceLink",
                "title": _("Students at risk (Foresight)"),
                "url": launch_url,
            }
        ],
    }
    if "data" in settings:
        claims[DL + "data"] = settings["data"]
    key = tool_key_current()
    token = jwt.encode(
        {"alg": "RS256", "kid": key.kid, "typ": "JWT"},
        claims,
        RSAKey.import_key(key.private_pem),
    )
    return settings["deep_link_return_url"], token
