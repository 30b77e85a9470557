"""Links in emails for people who sign in through their learning platform.

`email_link_for` is what notification emails call: a person with a password gets
the Foresight URL as it is; a person created by or known from an LTI launch, who has
no usable password, gets the tool's link in the course on their platform (it signs
them in and lands on the course's insights) or, when Foresight knows no such link,
a one-time sign-in URL valid for FORESIGHT_LTI_SIGNIN_MINUTES (default 30).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

from lti import clock
from lti.launch import CLAIM
from lti.models import LaunchCourse, LaunchUser, Platform, SignInToken

SIGNIN_SALT = "lti.signin"
DEFAULT_SIGNIN_MINUTES = 30


def signin_minutes() -> int:
    return int(
        getattr(settings, "FORESIGHT_LTI_SIGNIN_MINUTES", DEFAULT_SIGNIN_MINUTES)
    )


def platform_course_link(*, platform: Platform, claims: dict, message_hint: str) -> str:
    """The URL that opens this tool in the launch's course on the platform, or "".

    Moodle: the activity's view.php, from the course-module id that only the login
    initiation's lti_message_hint carries (the token has the LTI instance id).
    Other platforms have no standard link; "" there.
    """
    family = (claims.get(CLAIM + "tool_platform") or {}).get("product_family_code")
    if family != "moodle":
        return ""
    try:
        cmid = int(json.loads(message_hint).get("cmid"))
    except (ValueError, TypeError, AttributeError):
        return ""
    return f"{platform.issuer.rstrip('/')}/mod/lti/view.php?{urlencode({'id': cmid})}"


def signin_token_create(*, user: Any, next_url: str) -> str:
    """A signed, single-use token that signs `user` in and opens `next_url`."""
    token = SignInToken.objects.create(
        user=user,
        next_url=next_url[:1000],
        expires=clock.now() + timedelta(minutes=signin_minutes()),
    )
    return signing.dumps({"t": token.pk}, salt=SIGNIN_SALT, compress=True)


def signin_token_get(*, value: str) -> SignInToken | None:
    """The unused, unexpired token `value` names, or None (bad signature too)."""
    try:
        data = signing.loads(value, salt=SIGNIN_SALT, max_age=signin_minutes() * 60)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return None
    return (
        SignInToken.objects.select_related("user")
        .filter(pk=data["t"], used__isnull=True, expires__gt=clock.now())
        .first()
    )


def signin_token_use(*, token: SignInToken) -> bool:
    """Mark the token used; False when another request used it first."""
    return (
        SignInToken.objects.filter(pk=token.pk, used__isnull=True).update(
            used=clock.now()
        )
        == 1
    )


def _site_url() -> str:
    return getattr(settings, "FORESIGHT_SITE_URL", "").rstrip("/")


def email_link_for(*, user: Any, url: str, course: Any = None) -> str:
    """The link to put in an email to `user` for the Foresight page `url`.

    `url` is absolute (as emails need) or a path; `course` is the course the page is
    about, if any. See the module docstring for the rules.
    """
    if user.has_usable_password():
        return url
    identity = (
        LaunchUser.objects.filter(user=user, platform__enabled=True)
        .select_related("platform")
        .order_by("-last_launch")
        .first()
    )
    if identity is None:
        return url
    if course is not None:
        link = (
            LaunchCourse.objects.filter(platform=identity.platform, course=course)
            .exclude(link_url="")
            .values_list("link_url", flat=True)
            .first()
        )
        if link:
            return link
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    token = signin_token_create(user=user, next_url=path or "/")
    base = _site_url() or (f"{parts.scheme}://{parts.netloc}" if parts.netloc else "")
    return f"{base}{reverse('lti:signin', args=[token])}"


def notification_link(*, user: Any, url: str, course_id: int | None) -> str:
    """`email_link_for` in the shape insights' notification emails call."""
    return email_link_for(user=user, url=url, course=course_id)
