"""Query-string filters of the API lists: course, model and a time window.

Bad values answer 400 with what is wrong and what to send, never a 500 or an
empty list that hides the mistake.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from access.models import ContextLevel

PARAMETERS = [
    OpenApiParameter("course", OpenApiTypes.INT, description="Course id."),
    OpenApiParameter("model", OpenApiTypes.INT, description="Analytics model id."),
    OpenApiParameter(
        "since",
        OpenApiTypes.DATETIME,
        description="Only what was created or updated at or after this time "
        "(ISO 8601; a date means its midnight in the site's time zone).",
    ),
    OpenApiParameter(
        "until", OpenApiTypes.DATETIME, description="Only what is before this time."
    ),
]


def _integer(params: Any, name: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 1:
        raise ValidationError(
            {
                name: _("Give a positive whole number (an id), not %(value)r.")
                % {"value": raw}
            }
        )
    return value


def _moment(params: Any, name: str) -> dt.datetime | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = dt.datetime.combine(day, dt.time())
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            {
                name: _(
                    "Give a date or time in ISO 8601, e.g. 2026-09-01 or "
                    "2026-09-01T08:00:00Z, not %(value)r."
                )
                % {"value": raw}
            }
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def filtered(queryset: QuerySet, params: Any, *, time_field: str) -> QuerySet:
    """`queryset` (insights or predictions: both have model and context) narrowed by
    the `course`, `model`, `since` and `until` parameters."""
    course = _integer(params, "course")
    model = _integer(params, "model")
    since = _moment(params, "since")
    until = _moment(params, "until")
    if course is not None:
        in_course = Q(
            context__contextlevel=ContextLevel.COURSE, context__instanceid=course
        ) | Q(
            context__contextlevel=ContextLevel.MODULE,
            context__parent__contextlevel=ContextLevel.COURSE,
            context__parent__instanceid=course,
        )
        queryset = queryset.filter(in_course)
    if model is not None:
        queryset = queryset.filter(model_id=model)
    if since is not None:
        queryset = queryset.filter(**{f"{time_field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{time_field}__lt": until})
    return queryset
