"""How samples, contexts and indicator values are described to people.

A prediction stores only a sample id; what it means depends on the target's
`sample_kind`: an enrolment (the student and the course), a course, or a user. These
functions resolve many samples in one query, and say when a sample no longer exists
(a deleted enrolment, course or user) so pages can say so instead of failing.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, Model, OuterRef
from django.utils.translation import gettext as _

from access.models import Context, ContextLevel
from lms.models import Activity, Category, Course, Enrolment
from models_app.plugins.registry import UnknownPlugin, indicator_class


@dataclass(frozen=True)
class Sample:
    """A prediction's sample in words, plus the ids a target's action URLs need."""

    id: int
    name: str
    detail: str = ""
    url_args: dict[str, Any] = field(default_factory=dict)


def user_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def sample_model(kind: str | None) -> type[Model] | None:
    """The table that holds samples of `kind` ("enrolment", "course" or "user")."""
    return {
        "enrolment": Enrolment,
        "course": Course,
        "user": get_user_model(),
    }.get(kind or "")


def sample_exists(kind: str | None) -> Exists | None:
    """A filter expression true when the prediction's sample still exists."""
    table = sample_model(kind)
    if table is None:
        return None
    return Exists(table.objects.filter(pk=OuterRef("sampleid")))


def samples_describe(*, kind: str | None, ids: Iterable[int]) -> dict[int, Sample]:
    """Samples of `kind` by id, in one query; ids that no longer exist are absent."""
    ids = set(ids)
    if not ids:
        return {}
    found: dict[int, Sample] = {}
    if kind == "enrolment":
        for enrolment in Enrolment.objects.filter(pk__in=ids).select_related(
            "user", "course"
        ):
            found[enrolment.pk] = Sample(
                id=enrolment.pk,
                name=user_name(enrolment.user),
                detail=enrolment.course.fullname,
                url_args={
                    "enrolment_id": enrolment.pk,
                    "user_id": enrolment.user_id,
                    "course_id": enrolment.course_id,
                },
            )
    elif kind == "course":
        for course in Course.objects.filter(pk__in=ids):
            found[course.pk] = Sample(
                id=course.pk,
                name=course.fullname,
                detail=course.shortname,
                url_args={"course_id": course.pk},
            )
    elif kind == "user":
        for user in get_user_model().objects.filter(pk__in=ids):
            found[user.pk] = Sample(
                id=user.pk, name=user_name(user), url_args={"user_id": user.pk}
            )
    else:
        # A target we do not know: show the id rather than nothing.
        found = {
            sample_id: Sample(id=sample_id, name=_("Sample %(id)s") % {"id": sample_id})
            for sample_id in ids
        }
    return found


def context_name(context: Context) -> str:
    """The name people know a context by: the course, category, activity or user."""
    return context_names([context])[context.pk]


def context_names(contexts: Iterable[Context]) -> dict[int, str]:
    """`context_name` of each context by id, in one query per context level."""
    tables: dict[int, type[Model]] = {
        ContextLevel.CATEGORY: Category,
        ContextLevel.COURSE: Course,
        ContextLevel.MODULE: Activity,
        ContextLevel.USER: get_user_model(),
    }
    by_level: dict[int, list[Context]] = {}
    for context in contexts:
        by_level.setdefault(context.contextlevel, []).append(context)
    names: dict[int, str] = {}
    for level, group in by_level.items():
        table = tables.get(level)
        objects = table.objects.in_bulk([c.instanceid for c in group]) if table else {}
        for context in group:
            obj = objects.get(context.instanceid)
            if level == ContextLevel.SYSTEM:
                names[context.pk] = _("Site")
            elif obj is None:
                names[context.pk] = str(context)
            elif level == ContextLevel.USER:
                names[context.pk] = user_name(obj)
            elif level == ContextLevel.COURSE:
                names[context.pk] = obj.fullname
            else:
                names[context.pk] = obj.name
    return names


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator value of a prediction, in words."""

    key: str
    label: str
    value: float
    display: str
    outcome: str  # "ok" or "concern", Moodle's OK / NEGATIVE styles


def _indicator_label(key: str) -> tuple[str, str, str]:
    """(label, kind, option) of an indicator column; kind is "" when unregistered.

    Columns are "key", "key/mean" (linear) or "key/<class>" (discrete one-hot).
    """
    base, _slash, option = key.partition("/")
    try:
        cls = indicator_class(base)
    except UnknownPlugin:
        return key, "", ""
    return str(cls.label), str(getattr(cls, "kind", "")), option


def indicator_values(calculations: dict[str, Any]) -> list[IndicatorValue]:
    """The indicator values of a prediction, as Moodle's prediction page shows them.

    Binary indicators read Yes/No; discrete ones the class that is set; the others
    a percentage of the way from -1 to 1 (Moodle's linear display,
    round(100*(v+1)/2) %). Mean columns ("key/mean"), classes not set, empty values
    and reserved keys (starting with "_") are hidden, as in Moodle.
    """
    values: list[IndicatorValue] = []
    for key, raw in calculations.items():
        if key.startswith("_") or key.endswith("/mean"):
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            continue
        if math.isnan(value):
            continue
        label, kind, option = _indicator_label(key)
        if kind == "binary":
            display = _("Yes") if value > 0 else _("No")
        elif kind == "discrete" and option:
            if value <= 0:
                continue
            display = option
        else:
            display = f"{round(100 * (value + 1) / 2)} %"
        values.append(
            IndicatorValue(
                key=key,
                label=label,
                value=value,
                display=display,
                outcome="concern" if value < 0 else "ok",
            )
        )
    return values


def indicators_weighed_most(
    calculations: dict[str, Any], *, limit: int = 3
) -> tuple[list[IndicatorValue], bool]:
    """The indicators that weighed most for this prediction, and whether by weights.

    When the processor stored per-prediction weights (`calculations["_weights"]`,
    indicator key -> weight), the largest absolute weights win. Otherwise the
    fallback is the indicators furthest from neutral (0), and the page says so.
    """
    values = indicator_values(calculations)
    weights = calculations.get("_weights")
    if isinstance(weights, dict) and weights:
        by_key = {value.key: value for value in values}
        ranked = sorted(
            (key for key in weights if key in by_key),
            key=lambda key: -abs(float(weights[key])),
        )
        return [by_key[key] for key in ranked[:limit]], True
    ranked_values = sorted(values, key=lambda value: -abs(value.value))
    return [value for value in ranked_values[:limit] if value.value != 0], False


def message_text(body: str, *, paragraphs: str = " ") -> str:
    """A notification's HTML body as plain text: each tag a space (a paragraph
    break becomes `paragraphs`), so "Hi Ben,<p>Students" reads "Hi Ben, Students"."""
    text = re.sub(r"(?i)</?p\s*/?>|<br\s*/?>|\n\s*\n", "\x00", body)
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    parts = [" ".join(part.split()) for part in text.split("\x00")]
    return paragraphs.join(part for part in parts if part)


def unix_to_datetime(value: int | float | None) -> dt.datetime | None:
    """A stored Unix time as an aware datetime, for the date filters of templates."""
    if value is None:
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def activities_due(calculations: dict[str, Any]) -> list[dict[str, Any]]:
    """The activities behind an "upcoming activities due" prediction, soonest first.

    Analysis stores them under the reserved key "_activities_due" (Moodle keeps
    them as the activities_due indicator's extra data and lists them in the message).
    """
    rows = calculations.get("_activities_due")
    if not isinstance(rows, list):
        return []
    out = [
        {
            "name": str(row.get("name", "")),
            "coursename": str(row.get("coursename", "")),
            "due": unix_to_datetime(row.get("time")),
        }
        for row in rows
        if isinstance(row, dict)
    ]
    return sorted(out, key=lambda row: (row["due"] is None, row["due"] or 0))


def class_label(target: Any, value: float) -> str:
    """The target's description of a predicted class ("Student at risk")."""
    try:
        descriptions = list(target.classes_description())
        return str(descriptions[list(target.classes).index(int(value))])
    except (AttributeError, NotImplementedError, ValueError, IndexError):
        return str(value)
