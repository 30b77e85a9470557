"""Read the current site-wide settings. The only way other apps read them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from settings_app.models import AnalyticsSettings, SiteInformation

ANALYTICS_DISABLED_MESSAGE = (
    "Analytics is disabled. You can enable it in the admin: "
    "Analytics > Analytics settings > Analytics enabled."
)


def analytics_settings() -> AnalyticsSettings:
    """The analytics settings row (created with Moodle's defaults on first read)."""
    return AnalyticsSettings.load()


def site_information() -> SiteInformation:
    return SiteInformation.load()


def analytics_enabled() -> bool:
    return analytics_settings().enabled


def models_output_dir() -> Path:
    """Where processors write trained models and evaluation files."""
    configured = analytics_settings().models_output_dir
    return Path(configured) if configured else settings.FORESIGHT_DATA_DIR / "models"
