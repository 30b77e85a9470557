"""The unread-notifications count shown in every page's header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications_count`, counted only if a template shows it.

    Lazy because the admin renders with every context processor and most of its
    pages never show the count.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from insights.selectors import notifications_unread_count

        return notifications_unread_count(user=user)

    return {"unread_notifications_count": SimpleLazyObject(count)}
