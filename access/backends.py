"""Authentication backend answering Moodle-style capability checks.

Django ships the object-permission hook but no implementation, so this backend,
listed after `ModelBackend`, answers

    request.user.has_perm("analytics:listinsights", course)

by Moodle's rules (see `access.selectors`). `obj` may be anything `context_of`
accepts:

- an `access.models.Context`;
- a category, course or activity (any model with a `context_level` class attribute)
  or a user (their user context);
- an object with a `context` attribute holding a Context (an insight);
- any other object exposing `get_context() -> Context | None`: the protocol for new
  kinds of objects. It must not call `context_of` on itself.

Without `obj` the check is made in the system context. An object without a context
gets False. So do strings that are not capability names ("lms.view_course"), which
leaves Django's own permissions to `ModelBackend`; "analytics.listinsights" is
accepted as a spelling of "analytics:listinsights" when "analytics" is not an
installed app. Superusers never reach this backend: `User.has_perm` returns True for
an active superuser first.

Results are cached on the user object for its lifetime (one request), as
`ModelBackend` caches Django permissions: fetch the user again after changing roles.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

from access.models import Capability
from access.selectors import context_of, user_has_capability, user_role_assignments


def capability_name(perm: str) -> str:
    """Moodle's spelling of `perm` ("analytics.listinsights" -> "analytics:listinsights")."""
    if ":" not in perm and "." in perm:
        component, _dot, name = perm.partition(".")
        if not apps.is_installed(component) and not any(
            config.label == component for config in apps.get_app_configs()
        ):
            return f"{component}:{name}"
    return perm


class CapabilityBackend:
    """Answers capability checks; authenticates nobody (ModelBackend does that)."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        perm = capability_name(perm)
        if ":" not in perm or not self._is_capability(user_obj, perm):
            return False
        if obj is None:
            from access.services import context_system

            context = context_system()
        else:
            context = context_of(obj)
        if context is None:
            return False
        cache = user_obj.__dict__.setdefault("_capability_cache", {})
        key = (perm, context.pk)
        if key not in cache:
            if "_role_assignment_cache" not in user_obj.__dict__:
                user_obj._role_assignment_cache = user_role_assignments(user=user_obj)
            cache[key] = user_has_capability(
                user=user_obj,
                capability=perm,
                context=context,
                assignments=user_obj._role_assignment_cache,
            )
        return cache[key]

    def _is_capability(self, user_obj: Any, perm: str) -> bool:
        known = user_obj.__dict__.get("_capability_names")
        if known is None:
            known = set(Capability.objects.values_list("name", flat=True))
            user_obj._capability_names = known
        return perm in known
