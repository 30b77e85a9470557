"""LTI 1.3: Foresight as a tool that learning platforms (Moodle, Canvas, ...) launch."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def notification_link(*, user: Any, url: str, course_id: int | None) -> str:
    """`lti.links.notification_link`, imported when the first email is written:
    lti.links loads the JWT library (joserfc, cryptography), which commands that
    send no email should not pay for at start (tests/test_startup.py)."""
    from lti.links import notification_link as rewrite

    return rewrite(user=user, url=url, course_id=course_id)


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = _("LTI 1.3")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Notification emails to people who sign in through their platform link
        # there (or to a one-time sign-in), never to a password page.
        from insights.services import email_link_rewriters

        if notification_link not in email_link_rewriters:
            email_link_rewriters.append(notification_link)
