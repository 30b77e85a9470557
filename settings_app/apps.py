from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettingsAppConfig(AppConfig):
    name = "settings_app"
    # The admin section that holds both settings pages and the audit trail.
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from settings_app import checks  # noqa: F401 - registers the system checks
