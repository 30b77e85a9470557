"""Why Foresight refuses a login, launch or sign-in: words for the person, details
for the log. Views render `message` on the refusal page and log `detail`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lti.models import Platform


class LaunchRefused(Exception):
    """A login or launch Foresight refuses; `message` is for the person."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail or message}")
        self.code = code
        self.message = message
        self.detail = detail


def open_again() -> str:
    return _("Open Foresight again from your course.")


def deployment_refused(platform: Platform, deployment_id: str) -> LaunchRefused:
    return LaunchRefused(
        "deployment",
        _(
            "The launch names deployment %(deployment)s, which is not registered for "
            "%(platform)s. Ask your Foresight administrator to add it to the "
            "platform's deployment ids."
        )
        % {"deployment": deployment_id, "platform": platform.name},
        f"deployment {deployment_id!r} not in {platform.deployment_ids!r}",
    )
