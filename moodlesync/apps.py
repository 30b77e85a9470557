from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MoodlesyncConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moodlesync"
    verbose_name = _("Sync from Moodle")

    def ready(self) -> None:
        from insights.elsewhere import link_providers
        from models_app.synced_facts import (
            activity_dates_provider_register,
            sync_wait_register,
        )
        from moodlesync import checks  # noqa: F401 - registers the system checks
        from moodlesync.activity_dates import SyncedActivityDates
        from moodlesync.links import sample_links
        from moodlesync.locks import sync_wait

        if sample_links not in link_providers:
            link_providers.append(sample_links)
        # models_app reads the synced course layout and waits for a running sync
        # through these hooks: it does not import moodlesync.
        activity_dates_provider_register(SyncedActivityDates())
        sync_wait_register(sync_wait)
