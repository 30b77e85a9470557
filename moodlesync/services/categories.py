# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""Course categories: the tree (parent, depth order) and their contexts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from access.models import Context, ContextLevel
from access.services import context_ensure_for, contexts_bulk_ensure
from lms.models import Category
from moodlesync.models import Kind
from moodlesync.services.common import (
    PartResult,
    SyncContext,
    idmap_load,
    idmap_replace,
)


def categories_sync(ctx: SyncContext) -> PartResult:
    """Create or update every Moodle category; delete those gone from Moodle."""
    result = PartResult("categories")
    rows = ctx.source.fetchall(
        "SELECT id, name, idnumber, description, parent, sortorder, visible, depth "
        f"FROM {ctx.t('course_categories')} ORDER BY depth, id"
    )
    mapping = idmap_load(Kind.CATEGORY)
    existing = Category.objects.in_bulk(list(mapping.values()))
    created, updated, moved = [], 0, []
    seen: set[int] = set()
    for mid, name, idnumber, description, parent, sortorder, visible, _d in rows:
        seen.add(mid)
        parent_id = mapping.get(parent) if parent else None
        if parent and parent_id is None:
            result.problem(
                "course_categories",
                mid,
                _("its parent category %(parent)s does not exist; skipped.")
                % {"parent": parent},
                prefix=ctx.prefix,
            )
            continue
        values = {
            "name": (name or "")[:255],
            "idnumber": (idnumber or "")[:100],
            "description": description or "",
            "parent_id": parent_id,
            "visible": bool(visible),
            "sortorder": max(int(sortorder or 0), 0),
        }
        category = existing.get(mapping.get(mid, -1))
        if category is None:
            category = Category.objects.create(**values)
            mapping[mid] = category.pk
            created.append(category)
            continue
        old_parent = category.parent_id
        if any(getattr(category, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(category, key, value)
            category.save()
            updated += 1
        if old_parent != category.parent_id:
            moved.append(category)
    contexts_bulk_ensure(categories=created)
    for category in moved:
        context_ensure_for(obj=category)
    deleted = 0
    for mid in [m for m in mapping if m not in seen]:
        category = existing.get(mapping[mid])
        if category is None:
            del mapping[mid]
            continue
        if category.courses.exists() or category.children.exists():
            result.problem(
                "course_categories",
                mid,
                _(
                    "deleted in Moodle but still holds courses here; kept until "
                    "its courses are synced away."
                ),
                prefix=ctx.prefix,
            )
            continue
        Context.objects.filter(
            contextlevel=ContextLevel.CATEGORY, instanceid=category.pk
        ).delete()
        category.delete()
        del mapping[mid]
        deleted += 1
    idmap_replace(Kind.CATEGORY, mapping)
    result.counts = {
        "rows": len(rows),
        "created": len(created),
        "updated": updated,
        "deleted": deleted,
    }
    return result
