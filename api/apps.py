from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The read-only JSON API for other systems, and its per-user tokens."""

    name = "api"
    verbose_name = _("JSON API")
