from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogstoreConfig(AppConfig):
    name = "logstore"
    verbose_name = _("Activity log")
