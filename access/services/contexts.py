"""Contexts kept in step with categories, courses, activities and users.

Contexts mirror Moodle's: the system context (level 10, instance 0) is the root;
categories hang from their parent category or the system; courses from their
category; activities from their course; users from the system. Each context stores
its materialised path ("/1/4/17") and depth, so a context's parents are known
without a query and its descendants are one `path LIKE '/1/4/%'` away.

One-row writes (`context_ensure`, the lms signals) cost a few queries each; importers
and the site generator create thousands of rows with `bulk_create` (no signals) and
then call `contexts_bulk_ensure`, which costs a few queries per context level.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat, Substr
from django.utils.translation import gettext as _

from access.models import Context, ContextLevel

# SQLite allows 32,766 variables per statement; stay well below for every backend.
_CHUNK = 5000


def context_system() -> Context:
    """The system context, created if missing (a flushed test database has none)."""
    context = Context.objects.filter(
        contextlevel=ContextLevel.SYSTEM, instanceid=0
    ).first()
    if context is None:
        context = Context.objects.create(
            contextlevel=ContextLevel.SYSTEM, instanceid=0, depth=1, path=""
        )
        context.path = f"/{context.pk}"
        context.save(update_fields=["path"])
    return context


@transaction.atomic
def context_ensure(*, level: int, instance_id: int, parent: Context | None) -> Context:
    """The context of (level, instance_id) under `parent`, created or moved as needed.

    The system context is the only one without a parent. When the context exists
    under another parent (a course moved to another category), it is moved, and the
    paths and depths of all its descendants follow.
    """
    if level == ContextLevel.SYSTEM:
        return context_system()
    if parent is None:
        raise ValidationError(_("Only the system context has no parent context."))
    context = (
        Context.objects.select_for_update()
        .filter(contextlevel=level, instanceid=instance_id)
        .first()
    )
    if context is None:
        context = Context(
            contextlevel=level,
            instanceid=instance_id,
            parent=parent,
            depth=parent.depth + 1,
            path="",
        )
        context.full_clean(exclude=["path"])
        context.save()
        context.path = f"{parent.path}/{context.pk}"
        context.save(update_fields=["path"])
        return context
    if context.parent_id != parent.pk or context.path != f"{parent.path}/{context.pk}":
        context_move(context=context, parent=parent)
    return context


@transaction.atomic
def context_move(*, context: Context, parent: Context) -> Context:
    """Put `context` under `parent`, rewriting the path and depth of its subtree."""
    if parent.pk == context.pk or parent.path.startswith(f"{context.path}/"):
        raise ValidationError(_("A context cannot be moved inside itself."))
    old_path, old_depth = context.path, context.depth
    new_path, new_depth = f"{parent.path}/{context.pk}", parent.depth + 1
    Context.objects.filter(path__startswith=f"{old_path}/").update(
        path=Concat(
            Value(new_path),
            Substr("path", len(old_path) + 1),
            output_field=CharField(),
        ),
        depth=F("depth") + (new_depth - old_depth),
    )
    context.parent = parent
    context.path, context.depth = new_path, new_depth
    context.save(update_fields=["parent", "path", "depth"])
    return context


def context_parent_of(obj: Any) -> Context | None:
    """The context that `obj`'s context hangs from (Moodle's tree, see module doc)."""
    from access.selectors import context_of

    level = getattr(obj, "context_level", None)
    if level == ContextLevel.CATEGORY:
        return context_of(obj.parent) if obj.parent_id else context_system()
    if level == ContextLevel.COURSE:
        return context_of(obj.category)
    if level == ContextLevel.MODULE:
        return context_of(obj.course)
    return context_system()


def context_ensure_for(*, obj: Any) -> Context:
    """The context of a category, course, activity or user, created or moved."""
    if isinstance(obj, get_user_model()):
        level = ContextLevel.USER
    else:
        level = obj.context_level
    return context_ensure(
        level=level, instance_id=obj.pk, parent=context_parent_of(obj)
    )


def context_delete(*, level: int, instance_id: int) -> int:
    """Delete the context of a deleted object, with its children and assignments."""
    deleted, _rows = Context.objects.filter(
        contextlevel=level, instanceid=instance_id
    ).delete()
    return deleted


def _parent_key_of(level: int, obj: Any) -> tuple[int, int]:
    if level == ContextLevel.CATEGORY:
        if obj.parent_id:
            return ContextLevel.CATEGORY, obj.parent_id
        return ContextLevel.SYSTEM, 0
    if level == ContextLevel.COURSE:
        return ContextLevel.CATEGORY, obj.category_id
    if level == ContextLevel.MODULE:
        return ContextLevel.COURSE, obj.course_id
    return ContextLevel.SYSTEM, 0


def _contexts_by_instance(
    level: int, instance_ids: Iterable[int]
) -> dict[int, Context]:
    found: dict[int, Context] = {}
    ids = list(set(instance_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for context in Context.objects.filter(
            contextlevel=level, instanceid__in=chunk
        ).only("id", "instanceid", "path", "depth"):
            found[context.instanceid] = context
    return found


def _contexts_create_level(level: int, pairs: list[tuple[int, tuple[int, int]]]) -> int:
    """Create the missing contexts of one level; their parents must exist."""
    existing = _contexts_by_instance(level, (instance for instance, _p in pairs))
    missing = [(i, parent) for i, parent in pairs if i not in existing]
    if not missing:
        return 0
    parents: dict[tuple[int, int], Context] = {}
    for parent_level in {parent[0] for _i, parent in missing}:
        if parent_level == ContextLevel.SYSTEM:
            parents[(parent_level, 0)] = context_system()
            continue
        found = _contexts_by_instance(
            parent_level, (p[1] for _i, p in missing if p[0] == parent_level)
        )
        parents.update({(parent_level, i): c for i, c in found.items()})
    absent = {parent for _i, parent in missing if parent not in parents}
    if absent:
        raise ValidationError(
            _("Missing parent contexts for %(count)d objects, e.g. %(example)s.")
            % {"count": len(absent), "example": sorted(absent)[0]}
        )
    seen: set[int] = set()
    rows = []
    for instance_id, parent_key in missing:
        if instance_id in seen:
            continue
        seen.add(instance_id)
        parent = parents[parent_key]
        rows.append(
            Context(
                contextlevel=level,
                instanceid=instance_id,
                parent_id=parent.pk,
                depth=parent.depth + 1,
                path="",
            )
        )
    Context.objects.bulk_create(rows, batch_size=2000)
    # One UPDATE fills every new path from its parent's path: the ids only exist
    # after the insert, and an empty path marks exactly the rows just created.
    parent_path = Context.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
    Context.objects.filter(contextlevel=level, path="").update(
        path=Concat(
            Subquery(parent_path, output_field=CharField()),
            Value("/"),
            Cast("pk", output_field=CharField()),
            output_field=CharField(),
        )
    )
    return len(rows)


@transaction.atomic
def contexts_bulk_ensure(
    *,
    categories: Iterable[Any] = (),
    courses: Iterable[Any] = (),
    activities: Iterable[Any] = (),
    users: Iterable[Any] = (),
) -> int:
    """Create the missing contexts of many objects in a few queries; return how many.

    Takes saved instances (or `.only("id", "parent_id")`-style querysets): categories
    need `parent_id`, courses `category_id`, activities `course_id`. Parents may be
    among the objects given (a new category tree with its courses) or exist already.
    Existing contexts are left as they are: moves go through `context_ensure`.
    Costs about four queries per context level, plus one per level of nested
    categories, whatever the number of objects.
    """
    created = 0
    pending = {category.pk: category for category in categories}
    # Categories nest: create one generation at a time, parents first.
    while pending:
        generation = [
            c for c in pending.values() if not c.parent_id or c.parent_id not in pending
        ]
        if not generation:
            raise ValidationError(_("The categories given form a cycle."))
        created += _contexts_create_level(
            ContextLevel.CATEGORY,
            [(c.pk, _parent_key_of(ContextLevel.CATEGORY, c)) for c in generation],
        )
        for category in generation:
            del pending[category.pk]
    for level, objects in (
        (ContextLevel.COURSE, courses),
        (ContextLevel.MODULE, activities),
        (ContextLevel.USER, users),
    ):
        pairs = [(obj.pk, _parent_key_of(level, obj)) for obj in objects]
        if pairs:
            created += _contexts_create_level(level, pairs)
    return created
