"""Keep `access` contexts in step with categories, courses, activities and users.

Signals link the two apps without `access` importing `lms`. They only fire for rows
saved one at a time; bulk imports call `access.services.contexts_bulk_ensure`.
Saving a course ensures its context under its category's context, so moving the
course to another category moves its context and every activity context below it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from access.models import ContextLevel
from access.services import context_delete, context_ensure_for
from lms.models import Activity, Category, Course


def _context_save(
    sender: type, instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    if raw:  # loaddata: the contexts come with the fixture
        return
    context_ensure_for(obj=instance)


def _user_context_save(
    sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    # A user context never moves (it hangs from the system), so only new users need one.
    if created and not raw:
        context_ensure_for(obj=instance)


def _context_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    level = (
        ContextLevel.USER
        if isinstance(instance, get_user_model())
        else instance.context_level
    )
    context_delete(level=level, instance_id=instance.pk)


def connect() -> None:
    """Connect the receivers (called from LmsConfig.ready)."""
    user_model = get_user_model()
    for model in (Category, Course, Activity):
        name = model.__name__.lower()
        post_save.connect(
            _context_save, sender=model, dispatch_uid=f"lms_{name}_context_save"
        )
        post_delete.connect(
            _context_delete, sender=model, dispatch_uid=f"lms_{name}_context_delete"
        )
    post_save.connect(
        _user_context_save, sender=user_model, dispatch_uid="lms_user_context_save"
    )
    post_delete.connect(
        _context_delete, sender=user_model, dispatch_uid="lms_user_context_delete"
    )
