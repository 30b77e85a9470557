"""What every page's header needs: the unread-notifications count and the page's
path without its language prefix (for the language menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_from_path


def path_without_language(request: HttpRequest) -> str:
    """The request's path and query without the "/es" prefix.

    Django's set_language translates `next` by resolving it in the language active
    during the POST (the previous one), which fails for "/es/..." when switching
    back to English and leaves the visitor on the Spanish page. An unprefixed path
    resolves, and is the English page itself.
    """
    path = request.get_full_path()
    language = get_language_from_path(request.path_info)
    prefix = f"/{language}/"
    if language and path.startswith(prefix):
        return path[len(prefix) - 1 :]
    return path


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications_count`, counted only if a template shows it, and
    `language_next` (see `path_without_language`).

    Lazy because the admin renders with every context processor and most of its
    pages never show the count.
    """
    context: dict[str, Any] = {"language_next": path_without_language(request)}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context

    def count() -> int:
        from insights.selectors import notifications_unread_count

        return notifications_unread_count(user=user)

    context["unread_notifications_count"] = SimpleLazyObject(count)
    return context
