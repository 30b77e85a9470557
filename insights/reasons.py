"""A prediction's reasons in plain words, with the raw value behind each.

The reasons themselves come from the model (models_app.services.running.reasons):
which indicator columns moved the probability of the predicted class, how much and
which way. This module words them for a teacher: the figure behind each indicator
("No access for 12 days", "2 of 3 graded activities handed in", "Average score
41 %"), read from the course's activity (insights.activity) when the prediction is
about a student in a course, else decoded from the stored value. Encoded values
("0 %", "100 %") are never shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from insights.activity import DAY, CourseActivity
from models_app.plugins.registry import UnknownPlugin, indicator_class

#: How many reasons the course view shows per student.
TOP = 3
HORIZON_DAYS = 28  # days_since_last_access reaches -1 at four weeks


@dataclass(frozen=True)
class Reason:
    """One reason of a prediction, in words, with its weight for a bar."""

    key: str
    text: str
    weight: float
    share: int  # 0-100: |weight| against the prediction's largest
    raises: bool  # True: pushed towards the predicted class (the risk)


@dataclass(frozen=True)
class Facts:
    """What the pages know about the student of a prediction, from the course."""

    activity: CourseActivity
    user_id: int
    start: int
    end: int


def _label(key: str) -> tuple[str, str]:
    base, _slash, _option = key.partition("/")
    try:
        cls = indicator_class(base)
    except UnknownPlugin:
        return key, ""
    return str(cls.label), str(getattr(cls, "kind", ""))


def _level(value: float) -> str:
    """A linear value's place on its scale, in words (never an encoded percent)."""
    if value <= -0.6:
        return _("very low")
    if value <= -0.2:
        return _("low")
    if value < 0.2:
        return _("medium")
    if value < 0.6:
        return _("high")
    return _("very high")


BINARY_TEXTS: dict[str, tuple[str, str]] = {
    # key: (text when yes, text when no); translated when used.
    "any_course_access": (
        gettext_noop("Accessed the course in this period"),
        gettext_noop("Did not access the course in this period"),
    ),
    "any_write_action_in_course": (
        gettext_noop("Posted or handed in something in the course"),
        gettext_noop("Posted or handed in nothing in the course"),
    ),
    "any_write_action": (
        gettext_noop("Posted or handed in something on the site"),
        gettext_noop("Posted or handed in nothing on the site"),
    ),
    "any_access_after_end": (
        gettext_noop("Accessed the course after its end date"),
        gettext_noop("No access after the course's end date"),
    ),
    "any_access_before_start": (
        gettext_noop("Accessed the course before its start date"),
        gettext_noop("No access before the course's start date"),
    ),
    "user_profile_set": (
        gettext_noop("Profile filled in"),
        gettext_noop("Profile not filled in"),
    ),
}


def _days_without_access(value: float, facts: Facts | None) -> str:
    if facts is not None:
        last = facts.activity.last_access(facts.user_id, facts.end)
        if last is None:
            return _("No access to the course yet")
        days = max(0, (facts.end - last) // DAY)
    elif value <= -1:
        return _("No access for %(days)d days or more") % {"days": HORIZON_DAYS}
    else:
        days = round((1 - value) * HORIZON_DAYS / 2)
    if days == 0:
        return _("Accessed the course on the last day")
    return ngettext(
        "No access for %(days)d day", "No access for %(days)d days", days
    ) % {"days": days}


def _activity(value: float, facts: Facts | None) -> str:
    if facts is not None:
        events = facts.activity.events(facts.user_id, facts.start, facts.end)
        median = facts.activity.class_median(facts.start, facts.end)
        if events == 0:
            return _("No activity in this period")
        if median > 0:
            return _("Activity: %(percent)d %% of the class median") % {
                "percent": round(100 * events / median)
            }
    share = round(100 * (value + 1) / 2)
    return _("Activity: more than %(percent)d %% of classmates") % {"percent": share}


def _handed_in(value: float, facts: Facts | None) -> str:
    if facts is not None:
        done, due = facts.activity.handed_in(facts.user_id, facts.end)
        if due:
            return ngettext(
                "%(done)d of %(due)d graded activity handed in",
                "%(done)d of %(due)d graded activities handed in",
                due,
            ) % {"done": done, "due": due}
    return _("%(percent)d %% of the graded activities due handed in") % {
        "percent": round(100 * (value + 1) / 2)
    }


def _score(value: float, facts: Facts | None) -> str:
    score = None
    if facts is not None:
        score = facts.activity.average_score(facts.user_id, facts.end)
    if score is None:
        score = (value + 1) / 2
    return _("Average score %(percent)d %%") % {"percent": round(100 * score)}


SPECIFIC = {
    "days_since_last_access": _days_without_access,
    "relative_activity": _activity,
    "assessments_submitted": _handed_in,
    "assessment_scores": _score,
}


def reason_text(key: str, value: float | None, facts: Facts | None = None) -> str:
    """The indicator column `key` with its value, in words a teacher reads."""
    base, _slash, option = key.partition("/")
    label, kind = _label(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _("%(indicator)s: no value yet") % {"indicator": label}
    if option == "mean":
        # Listed under "the class as a whole" (prediction_reasons(about_class=True)).
        return _("%(indicator)s: %(level)s") % {
            "indicator": label,
            "level": _level(value),
        }
    if base in SPECIFIC and not option:
        return SPECIFIC[base](value, facts)
    if kind == "binary":
        if base in BINARY_TEXTS:
            yes, no = BINARY_TEXTS[base]
            return _(yes) if value > 0 else _(no)
        return f"{label}: {_('Yes') if value > 0 else _('No')}"
    if kind == "discrete" and option:
        return f"{label}: {option}"
    return _("%(indicator)s: %(level)s") % {"indicator": label, "level": _level(value)}


def prediction_reasons(
    prediction: Any,
    *,
    facts: Facts | None = None,
    limit: int | None = None,
    about_class: bool | None = None,
) -> list[Reason]:
    """The prediction's stored reasons, ranked, in words ([] when it has none).

    `about_class` True keeps only the class-wide columns ("<key>/mean", the mean of
    the class in the range), False only the student's own, None both.
    """
    stored = prediction.reasons if isinstance(prediction.reasons, dict) else {}
    items = [i for i in stored.get("items", []) if isinstance(i, dict) and "key" in i]
    if about_class is not None:
        items = [i for i in items if i["key"].endswith("/mean") is about_class]
    if limit is not None:
        items = items[:limit]
    if not items:
        return []
    largest = max(abs(float(i.get("weight", 0))) for i in items) or 1.0
    calculations = prediction.calculations or {}
    out = []
    for item in items:
        weight = float(item.get("weight", 0))
        out.append(
            Reason(
                key=item["key"],
                text=reason_text(item["key"], calculations.get(item["key"]), facts),
                weight=weight,
                share=max(4, round(100 * abs(weight) / largest)),
                raises=weight > 0,
            )
        )
    return out


def reasons_method(prediction: Any) -> str:
    """How the reasons were computed: "linear", "perturbation",
    "site_perturbation", "none" (the server gave none) or "" (not stored)."""
    stored = prediction.reasons if isinstance(prediction.reasons, dict) else {}
    return str(stored.get("method", ""))
