from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModelsAppConfig(AppConfig):
    name = "models_app"
    verbose_name = _("Analytics models")
