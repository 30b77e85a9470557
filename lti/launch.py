"""The launch check (LTI 1.3 core, section 5.1.2; the login is in `lti.login`).

`launch_validate` checks the id_token the platform posts back, in this order:
known and unused state, the browser's state cookie, signature by one of the
platform's keys (joserfc: never by hand), issuer, audience, expiry, nonce,
deployment id, message type; then it consumes the state and the nonce in one
transaction, so a token is accepted once. Each failure raises `LaunchRefused`
with the words for the person (`message`) and the details for the log (`detail`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidKeyIdError,
    InvalidTokenError,
    JoseError,
    MissingClaimError,
)

from lti import clock
from lti.keys import KeysetUnavailable, platform_keyset
from lti.models import LoginState, Platform, UsedNonce
from lti.refusals import LaunchRefused, deployment_refused, open_again

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DEPLOYMENT_ID = CLAIM + "deployment_id"
MESSAGE_TYPE = CLAIM + "message_type"
VERSION = CLAIM + "version"
ROLES = CLAIM + "roles"
CONTEXT = CLAIM + "context"
RESOURCE_LINK = CLAIM + "resource_link"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

STATE_LIFETIME = timedelta(minutes=10)
# Seconds of clock difference tolerated between platform and tool.
LEEWAY_SECONDS = 10
STATE_COOKIE = "lti1p3-state"
ALGORITHMS = ["RS256"]


@dataclass(frozen=True)
class Launch:
    """A checked launch: its platform, its claims and the login state it used."""

    platform: Platform
    claims: dict[str, Any]
    login_state: LoginState


def _login_state(state: str, cookie: str | None) -> LoginState:
    if not state:
        raise LaunchRefused(
            "missing",
            _("The launch is incomplete: the platform sent no state.")
            + " "
            + open_again(),
        )
    login_state = (
        LoginState.objects.select_related("platform").filter(state=state).first()
    )
    if login_state is None:
        raise LaunchRefused(
            "state",
            _("Foresight did not start this launch, or forgot it.")
            + " "
            + open_again(),
            "unknown state",
        )
    if login_state.used:
        raise LaunchRefused(
            "replay",
            _("This launch was already used: each launch works once.")
            + " "
            + open_again(),
            "state already used",
        )
    if login_state.expires < clock.now():
        raise LaunchRefused(
            "state",
            _("The launch took too long and has expired.") + " " + open_again(),
            f"state expired at {login_state.expires.isoformat()}",
        )
    if cookie != state:
        raise LaunchRefused(
            "cookie",
            _(
                "Your browser did not send back the cookie Foresight set when the "
                "launch began, so Foresight cannot tell that this launch is yours. "
                "Allow cookies for Foresight, or open it in a new window, and try "
                "again."
            ),
            "state cookie missing or different",
        )
    if not login_state.platform.enabled:
        raise LaunchRefused(
            "platform",
            _("This learning platform's registration is disabled in Foresight."),
        )
    return login_state


def _verified_claims(platform: Platform, id_token: str) -> dict[str, Any]:
    try:
        keyset = platform_keyset(platform)
    except KeysetUnavailable as exc:
        raise LaunchRefused(
            "keyset",
            _(
                "Foresight could not get the learning platform's public keys, so it "
                "cannot check who you are. Try again in a few minutes; if it keeps "
                "failing, ask your Foresight administrator to check the platform's "
                "keyset URL."
            ),
            str(exc),
        ) from exc
    try:
        token = jwt.decode(id_token, keyset, algorithms=ALGORITHMS)
    except (BadSignatureError, InvalidKeyIdError) as exc:
        raise LaunchRefused(
            "signature",
            _(
                "The launch is not signed by the learning platform's keys: it may "
                "have been altered on the way."
            )
            + " "
            + open_again(),
            f"{type(exc).__name__}: {exc}",
        ) from exc
    except (JoseError, ValueError) as exc:
        raise LaunchRefused(
            "malformed",
            _("The launch's id_token is not a valid signed token.")
            + " "
            + open_again(),
            f"{type(exc).__name__}: {exc}",
        ) from exc
    return dict(token.claims)


def _check_claims(platform: Platform, claims: dict[str, Any], nonce: str) -> None:
    issuer = claims.get("iss")
    if issuer != platform.issuer:
        raise LaunchRefused(
            "issuer",
            _(
                "The launch comes from %(issuer)s, not from %(platform)s, which "
                "started it."
            )
            % {"issuer": issuer or "?", "platform": platform.issuer},
            f"iss {issuer!r} != {platform.issuer!r}",
        )
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    azp = claims.get("azp")
    if platform.client_id not in audiences or (
        (len(audiences) > 1 or azp is not None) and azp != platform.client_id
    ):
        raise LaunchRefused(
            "audience",
            _(
                "The launch was meant for another tool (audience %(audience)s), "
                "not for Foresight's registration %(client_id)s."
            )
            % {"audience": audience or "?", "client_id": platform.client_id},
            f"aud {audience!r} azp {azp!r}",
        )
    try:
        jwt.JWTClaimsRegistry(
            now=clock.timestamp,
            leeway=LEEWAY_SECONDS,
            exp={"essential": True},
            iat={"essential": True},
        ).validate(claims)
    except (ExpiredTokenError, InvalidTokenError, MissingClaimError, JoseError) as exc:
        raise LaunchRefused(
            "expired",
            _(
                "The launch has expired or is not valid yet (platforms sign a launch "
                "for about a minute)."
            )
            + " "
            + open_again()
            + " "
            + _("If it keeps happening, the clocks of the two servers differ."),
            f"{type(exc).__name__}: {exc}; iat={claims.get('iat')} "
            f"exp={claims.get('exp')} now={clock.timestamp()}",
        ) from exc
    if not nonce or claims.get("nonce") != nonce:
        raise LaunchRefused(
            "replay",
            _("This launch does not belong to the sign-in Foresight started.")
            + " "
            + open_again(),
            "nonce does not match the state's nonce",
        )
    deployment_id = claims.get(DEPLOYMENT_ID)
    if (
        not isinstance(deployment_id, str)
        or deployment_id not in platform.deployment_ids
    ):
        raise deployment_refused(platform, str(deployment_id))
    message_type = claims.get(MESSAGE_TYPE)
    if message_type not in MESSAGE_TYPES:
        raise LaunchRefused(
            "message_type",
            _(
                "This kind of launch (%(type)s) is not supported: Foresight opens "
                "from a link in a course."
            )
            % {"type": message_type or "?"},
        )
    if claims.get(VERSION) != "1.3.0":
        raise LaunchRefused(
            "version",
            _("This launch is not LTI 1.3 (version %(version)s).")
            % {"version": claims.get(VERSION) or "?"},
        )


def _consume(login_state: LoginState, claims: dict[str, Any]) -> None:
    """Mark the state used and store the nonce, or refuse a replay (atomic)."""
    now = clock.now()
    taken = LoginState.objects.filter(pk=login_state.pk, used=False).update(used=True)
    replay = LaunchRefused(
        "replay",
        _("This launch was already used: each launch works once.") + " " + open_again(),
        "nonce already used",
    )
    if taken != 1:
        raise replay
    try:
        with transaction.atomic():
            UsedNonce.objects.create(
                platform=login_state.platform,
                nonce=str(claims["nonce"]),
                expires=now + timedelta(days=1),
            )
    except IntegrityError as exc:
        raise replay from exc


@transaction.atomic
def launch_validate(*, state: str, id_token: str, state_cookie: str | None) -> Launch:
    """The checked launch for a POSTed (state, id_token), or LaunchRefused."""
    login_state = _login_state(state, state_cookie)
    if not id_token:
        raise LaunchRefused(
            "missing",
            _("The launch is incomplete: the platform sent no id_token.")
            + " "
            + open_again(),
        )
    platform = login_state.platform
    claims = _verified_claims(platform, id_token)
    _check_claims(platform, claims, login_state.nonce)
    _consume(login_state, claims)
    return Launch(platform=platform, claims=claims, login_state=login_state)
