from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MlbackendConfig(AppConfig):
    name = "mlbackend"
    verbose_name = _("ML backend server")
