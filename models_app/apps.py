from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _defaults_install(
    sender: AppConfig, apps: Any = global_apps, **kwargs: Any
) -> None:
    """After every migrate (and every flush, which ends in post_migrate), create
    the default models and schedules that are missing, as Moodle's upgrade does.

    Existing rows are never changed, so what an admin edited stays as it is.
    """
    from models_app.defaults import default_models_install, default_schedules_install

    try:
        apps.get_model("models_app", "AnalyticsModel")
        apps.get_model("django_celery_beat", "PeriodicTask")
    except LookupError:  # a partial migration state
        return
    default_models_install(apps)
    default_schedules_install(apps)


class ModelsAppConfig(AppConfig):
    name = "models_app"
    verbose_name = _("Analytics models")

    def ready(self) -> None:
        # Tells settings_app about processors and intervals, and connects the
        # clearing of models to a change of the default processor.
        from models_app import receivers

        receivers.hooks_register()
        post_migrate.connect(_defaults_install, sender=self)
