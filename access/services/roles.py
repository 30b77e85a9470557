"""Role assignments and capability overrides, validated before they are written."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from access.models import (
    Capability,
    Context,
    Permission,
    Role,
    RoleAssignment,
    RoleCapability,
)


def _as_context(context: Context | int) -> Context:
    context_id = context.pk if isinstance(context, Context) else context
    found = Context.objects.filter(pk=context_id).first() if context_id else None
    if found is None:
        raise ValidationError(
            {"context": _("The context %(id)s does not exist.") % {"id": context_id}}
        )
    return found


@transaction.atomic
def role_assign(*, user: Any, role: Role, context: Context | int) -> RoleAssignment:
    """Give `user` the `role` in `context`; an existing assignment is returned as is.

    Raises ValidationError when the role cannot be assigned at that context level
    (Moodle's role_context_levels) or the context does not exist.
    """
    context = _as_context(context)
    existing = RoleAssignment.objects.filter(
        user=user, role=role, context=context
    ).first()
    if existing is not None:
        return existing
    assignment = RoleAssignment(user=user, role=role, context=context)
    assignment.full_clean()
    assignment.save()
    return assignment


def role_unassign(*, user: Any, role: Role, context: Context | int) -> int:
    """Take `role` in `context` away from `user`; return how many rows went."""
    context_id = context.pk if isinstance(context, Context) else context
    deleted, _rows = RoleAssignment.objects.filter(
        user=user, role=role, context_id=context_id
    ).delete()
    return deleted


@transaction.atomic
def capability_override(
    *,
    role: Role,
    capability: Capability | str,
    context: Context | int,
    permission: int,
) -> RoleCapability | None:
    """Set `role`'s permission for `capability` in `context` (system = the definition).

    `Permission.INHERIT` removes the override, as Moodle does, and returns None.
    Raises ValidationError for a missing context or capability, an unknown
    permission value, or a capability that does not apply at that context level.
    """
    context = _as_context(context)
    if isinstance(capability, str):
        found = Capability.objects.filter(name=capability).first()
        if found is None:
            raise ValidationError(
                {
                    "capability": _("The capability %(name)s does not exist.")
                    % {"name": capability}
                }
            )
        capability = found
    if permission not in Permission.values:
        raise ValidationError(
            {
                "permission": _("%(value)s is not a permission value.")
                % {"value": permission}
            }
        )
    if permission == Permission.INHERIT:
        RoleCapability.objects.filter(
            role=role, capability=capability, context=context
        ).delete()
        return None
    row = RoleCapability.objects.filter(
        role=role, capability=capability, context=context
    ).first() or RoleCapability(role=role, capability=capability, context=context)
    row.permission = permission
    row.full_clean(validate_unique=row.pk is None)
    row.save()
    return row
