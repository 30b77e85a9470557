"""Read the current site-wide settings. The only way other apps read them.

No cache sits in front of these reads on purpose: the row is read by primary key
(about 0.1 ms on SQLite and PostgreSQL; `python bench/settings_read.py` measures it),
which is as cheap as a round trip to a shared cache, and a per-process cache would let
a Celery worker run for minutes on settings an admin has already changed. A save is
therefore seen by every process at once.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from settings_app import hooks
from settings_app.models import AnalyticsSettings, SiteInformation

ANALYTICS_DISABLED_MESSAGE = (
    "Analytics is disabled. You can enable it in the admin: "
    "Analytics > Analytics settings > Analytics enabled."
)

# Settings not yet saved, seen by the code that checks them (a processor's is_ready()
# reading the URL and password the admin has just typed). Per thread and task.
_candidate: contextvars.ContextVar[AnalyticsSettings | None] = contextvars.ContextVar(
    "analytics_settings_candidate", default=None
)


class AnalyticsDisabled(Exception):
    """Raised by tasks, pages and commands when analytics is off.

    `str(exc)` says how to turn it on, in the active language.
    """

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or analytics_disabled_message())


def analytics_disabled_message() -> str:
    """ANALYTICS_DISABLED_MESSAGE in the active language."""
    return gettext(
        "Analytics is disabled. You can enable it in the admin: "
        "Analytics > Analytics settings > Analytics enabled."
    )


def analytics_settings() -> AnalyticsSettings:
    """The analytics settings row (created with Moodle's defaults on first read)."""
    candidate = _candidate.get()
    if candidate is not None:
        return candidate
    return AnalyticsSettings.load()


@contextmanager
def analytics_settings_candidate(candidate: AnalyticsSettings) -> Iterator[None]:
    """Within the block, `analytics_settings()` returns `candidate` (unsaved).

    Lets a processor check itself against values the admin has not saved yet, so a
    wrong password is refused before it replaces the working one.
    """
    token = _candidate.set(candidate)
    try:
        yield
    finally:
        _candidate.reset(token)


def site_information() -> SiteInformation:
    return SiteInformation.load()


def analytics_enabled() -> bool:
    return analytics_settings().enabled


def analytics_enabled_or_raise() -> None:
    """Raise AnalyticsDisabled (with the how-to-enable message) when analytics is off."""
    if not analytics_enabled():
        raise AnalyticsDisabled()


def default_processor() -> str:
    """Key of the site's default predictions processor."""
    return analytics_settings().default_processor


def models_output_dir() -> Path:
    """Where processors write trained models and evaluation files."""
    configured = analytics_settings().models_output_dir
    return Path(configured) if configured else default_models_output_dir()


def default_models_output_dir() -> Path:
    """The directory used when the setting is empty: `models` in the data folder."""
    return Path(settings.FORESIGHT_DATA_DIR) / "models"


def evaluation_intervals() -> list[str]:
    """Keys of the analysis intervals evaluation tries.

    The configured ones that can still be evaluated; when none is configured, every
    interval that can be evaluated (as Moodle does with an empty setting).
    """
    valid = [key for key, _label in hooks.evaluation_interval_choices()]
    configured = [
        key for key in analytics_settings().evaluation_intervals if key in valid
    ]
    return configured or valid
