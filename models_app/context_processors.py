"""Whether the header shows the link to the analytics models page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def manage_models(request: HttpRequest) -> dict[str, Any]:
    """`can_manage_models`, resolved only if a template reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def allowed() -> bool:
        from access.services import context_system

        return user.has_perm("analytics:managemodels", context_system())

    return {"can_manage_models": SimpleLazyObject(allowed)}
