"""The context of an object, and the object of a context."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Model

from access.models import Context, ContextLevel


def context_of(obj: Any) -> Context | None:
    """The context of `obj`, or None when it has none.

    Accepted, in this order: a Context; a category, course or activity (any saved
    model with a `context_level` class attribute) or a user, whose context is created
    on first use if a bulk import skipped it; an object with a `context` attribute
    holding a Context (an insight); an object with a `get_context()` method returning
    a Context or None (the protocol for any other app; it must not call `context_of`
    on itself).
    """
    if obj is None:
        return None
    if isinstance(obj, Context):
        return obj
    level = getattr(obj, "context_level", None)
    if isinstance(obj, get_user_model()):
        level = ContextLevel.USER
    if level is not None and level != ContextLevel.SYSTEM:
        if getattr(obj, "pk", None) is None:
            return None
        context = Context.objects.for_instance(level, obj.pk).first()
        if context is None:
            from access.services import context_ensure_for

            context = context_ensure_for(obj=obj)
        return context
    if level == ContextLevel.SYSTEM:
        from access.services import context_system

        return context_system()
    attribute = getattr(obj, "context", None)
    if isinstance(attribute, Context):
        return attribute
    getter = getattr(obj, "get_context", None)
    if callable(getter):
        return getter()
    return None


def context_instance(context: Context) -> Any | None:
    """The category, course, activity or user a context belongs to (None: system).

    Found through the `context_level` class attribute, so `access` needs no import
    of the apps above it.
    """
    model: type[Model] | None
    if context.contextlevel == ContextLevel.USER:
        model = get_user_model()
    else:
        model = next(
            (
                candidate
                for candidate in apps.get_models()
                if getattr(candidate, "context_level", None) == context.contextlevel
            ),
            None,
        )
    if model is None or context.contextlevel == ContextLevel.SYSTEM:
        return None
    return model._default_manager.filter(pk=context.instanceid).first()
