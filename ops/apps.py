from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Health, metrics and log format: what an operator's tools read."""

    name = "ops"
    verbose_name = _("Operations")
