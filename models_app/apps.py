from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModelsAppConfig(AppConfig):
    name = "models_app"
    verbose_name = _("Analytics models")

    def ready(self) -> None:
        # Tells settings_app about processors and intervals, and connects the
        # clearing of models to a change of the default processor.
        from models_app import receivers

        receivers.hooks_register()
