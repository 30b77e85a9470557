from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MoodlesyncConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moodlesync"
    verbose_name = _("Sync from Moodle")

    def ready(self) -> None:
        from insights.elsewhere import link_providers
        from moodlesync import checks  # noqa: F401 - registers the system checks
        from moodlesync.links import sample_links

        if sample_links not in link_providers:
            link_providers.append(sample_links)
