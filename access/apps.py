from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _defaults_after_flush(
    sender: AppConfig, apps: Any = global_apps, **kwargs: Any
) -> None:
    """Reinstall the default roles when a flush emptied them (transactional tests).

    The data migration installs them once; a database with no role at all after
    migrate can only be a flushed one, so an admin's deletions are never undone.
    """
    from access.defaults import defaults_install

    try:
        role_model = apps.get_model("access", "Role")
    except LookupError:
        return
    using = kwargs.get("using", "default")
    if not role_model.objects.using(using).exists():
        defaults_install(apps)


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("Access")

    def ready(self) -> None:
        post_migrate.connect(_defaults_after_flush, sender=self)
