from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Learning site")

    def ready(self) -> None:
        from lms import signals

        signals.connect()
