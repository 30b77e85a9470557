"""A prediction's reasons in plain words, with the raw value behind each.

The reasons themselves come from the model (models_app.services.running.reasons):
which indicator columns moved the probability of the predicted class, how much and
which way. This module words them for a teacher: the figure behind each indicator
("No access for 12 days", "2 of 3 graded activities handed in", "Average score
41 %"), read from the course's activity (insights.activity) when the prediction is
about a student in a course, else decoded from the stored value. Encoded values
("0 %", "100 %") are never shown.

One reason per measure: an indicator and those that restate it (a classmates
variant names it as its `base`) measure the same thing, and a model weighs such
collinear columns with opposite signs ("compared with classmates: very low, lowers
the risk" beside "amount: very low, raises the risk"). Their weights are summed
into one reason, worded as the student's value with the comparison ("Read
actions: very low (much lower than classmates)").

The class's reasons are apart from the student's: the class means ("<key>/mean")
and the course-wide indicators, whose value depends only on the course (they
declare `course_wide`, e.g. "Completion tracking enabled"): the same for everyone
in the course, they say nothing about this student.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from insights.activity import DAY, CourseActivity
from models_app.plugins.indicators.classmates import SPREAD
from models_app.plugins.registry import (
    UnknownPlugin,
    indicator_class,
    indicator_measure,
)

#: How many reasons the course view shows per student.
TOP = 3
HORIZON_DAYS = 28  # days_since_last_access reaches -1 at four weeks


@dataclass(frozen=True)
class Reason:
    """One reason of a prediction, in words, with its weight for a bar."""

    key: str  # the measure (measure_of): its indicator's key
    text: str
    weight: float  # the sum of its columns' stored weights
    share: int  # 0-100: |weight| against the prediction's largest
    raises: bool  # True: pushed towards the predicted class (the risk)
    columns: tuple[str, ...] = ()  # the stored columns summed into `weight`


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
    if share <= 0:
        return _("Activity: the lowest of the class")
    if share >= 100:
        return _("Activity: the highest of the class")
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


def _on_time(value: float, facts: Facts | None) -> str:
    if facts is not None:
        done, due = facts.activity.on_time(facts.user_id, facts.end)
        if due:
            return ngettext(
                "%(done)d of %(due)d graded activity handed in on time",
                "%(done)d of %(due)d graded activities handed in on time",
                due,
            ) % {"done": done, "due": due}
    return _("%(percent)d %% of the graded activities due handed in on time") % {
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
    "assessments_on_time": _on_time,
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


#: The measure a column is about (models_app.plugins.registry).
measure_of = indicator_measure


def course_wide(measure: str) -> bool:
    """Whether the measure's value is the course's, the same for every student of
    it, as its indicator declares (`course_wide`); unknown keys are not."""
    try:
        return bool(getattr(indicator_class(measure), "course_wide", False))
    except UnknownPlugin:
        return False


def about_the_class(key: str) -> bool:
    """Whether the column `key` is about the class as a whole, not the student:
    a class mean ("<key>/mean") or a course-wide indicator's column."""
    return key.endswith("/mean") or course_wide(measure_of(key))


#: Plain names of measures whose indicator labels read as one column's.
MEASURE_NAMES = {
    "read_actions": gettext_noop("Read actions"),
    # Its value is high when the last access is recent.
    "days_since_last_access": gettext_noop("Recent access"),
    "assessments_submitted": gettext_noop("Assessments handed in"),
    "assessments_on_time": gettext_noop("Assessments handed in on time"),
    "assessment_scores": gettext_noop("Assessment scores"),
}

#: A value against the class, from far below to far above (see _comparison).
COMPARISONS: dict[str, tuple[str, str, str, str, str]] = {
    "": (
        gettext_noop("much lower than classmates"),
        gettext_noop("lower than classmates"),
        gettext_noop("about the same as classmates"),
        gettext_noop("higher than classmates"),
        gettext_noop("much higher than classmates"),
    ),
    "days_since_last_access": (
        gettext_noop("much less recent than classmates"),
        gettext_noop("less recent than classmates"),
        gettext_noop("about as recent as classmates"),
        gettext_noop("more recent than classmates"),
        gettext_noop("much more recent than classmates"),
    ),
    "assessments_submitted": (
        gettext_noop("far fewer than classmates"),
        gettext_noop("fewer than classmates"),
        gettext_noop("about as many as classmates"),
        gettext_noop("more than classmates"),
        gettext_noop("far more than classmates"),
    ),
}
COMPARISONS["assessments_on_time"] = COMPARISONS["assessments_submitted"]


def _measure_name(measure: str) -> str:
    if measure in MEASURE_NAMES:
        return _(MEASURE_NAMES[measure])
    return _label(measure)[0]


def _comparison(measure: str, value: float) -> str:
    """A classmates value (standard deviations from the class mean / SPREAD) in
    words: within half a standard deviation "about the same", past one and a half
    "much"."""
    words = COMPARISONS.get(measure, COMPARISONS[""])
    return _(words[_band(value)])


def _band(value: float) -> int:
    """A classmates value's place, 0 (far below the class) to 4 (far above)."""
    deviations = value * SPREAD
    if deviations <= -1.5:
        band = 0
    elif deviations <= -0.5:
        band = 1
    elif deviations < 0.5:
        band = 2
    elif deviations < 1.5:
        band = 3
    else:
        band = 4
    return band


def _no_access_yet(facts: Facts) -> bool:
    return facts.activity.last_access(facts.user_id, facts.end) is None


def _no_activity(facts: Facts) -> bool:
    return facts.activity.events(facts.user_id, facts.start, facts.end) == 0


#: Measures whose own words can say there is nothing at all ("No access to the
#: course yet", "No activity in this period", see SPECIFIC), and when they do.
#: "Much less recent than classmates" would then say it twice: the comparison
#: becomes "classmates have" when the student is below the class, else is left out.
NOTHING_AT_ALL = {
    "days_since_last_access": _no_access_yet,
    "relative_activity": _no_activity,
}


def _nothing_at_all(measure: str, facts: Facts | None) -> bool:
    return (
        facts is not None
        and measure in NOTHING_AT_ALL
        and NOTHING_AT_ALL[measure](facts)
    )


def _known(value: Any) -> bool:
    return isinstance(value, int | float) and not math.isnan(value)


def _own_text(
    measure: str, columns: list[str], calculations: dict[str, Any], facts: Any
) -> str | None:
    """The student's own value of the measure in words; None when it has no value
    or the model has no column of the indicator itself (only one restating it)."""
    if columns == [measure]:
        value = calculations[measure]
        if not _known(value):
            return None
        if measure in SPECIFIC or _label(measure)[1] != "linear":
            return reason_text(measure, value, facts)
        return _("%(indicator)s: %(level)s") % {
            "indicator": _measure_name(measure),
            "level": _level(value),
        }
    # A discrete indicator: one column per class, the set one says it.
    chosen = sorted(
        (c for c in columns if _known(calculations[c])),
        key=lambda c: -float(calculations[c]),
    )
    return reason_text(chosen[0], calculations[chosen[0]], facts) if chosen else None


def measure_text(
    measure: str,
    calculations: dict[str, Any],
    facts: Facts | None = None,
    *,
    about_class: bool | None = False,
) -> str:
    """The measure `measure` of a prediction in words: the student's value and how
    it compares with the classmates ("Read actions: very low (much lower than
    classmates)"); with `about_class` True the class mean ("Read actions:
    medium"), with None both. A course-wide measure is its value whatever
    `about_class` says ("Completion tracking enabled: Yes"): the course's value
    is the class's."""
    mine = [
        k for k in calculations if not k.startswith("_") and measure_of(k) == measure
    ]
    name = _measure_name(measure)
    if course_wide(measure):
        own = _own_text(
            measure,
            [k for k in mine if k.partition("/")[0] == measure],
            calculations,
            facts,
        )
        return own or _("%(indicator)s: no value yet") % {"indicator": name}
    means = [k for k in mine if k.endswith("/mean") and _known(calculations[k])]
    if about_class:
        if not means:
            return _("%(indicator)s: no value yet") % {"indicator": name}
        level = _level(float(calculations[means[0]]))
        return _("%(indicator)s: %(level)s") % {"indicator": name, "level": level}
    own = _own_text(
        measure,
        [k for k in mine if k.partition("/")[0] == measure and not k.endswith("/mean")],
        calculations,
        facts,
    )
    compared = [
        float(calculations[k])
        for k in mine
        if k.partition("/")[0] != measure and _known(calculations[k])
    ]
    if own is not None and _nothing_at_all(measure, facts):
        below = any(_band(value) <= 1 for value in compared)
        # Translators: after "No access to the course yet" or "No activity in
        # this period", in brackets: classmates have (accessed it, been active).
        notes = [_("classmates have")] if below else []
    else:
        notes = [_comparison(measure, value) for value in compared]
    if about_class is None:
        notes += [
            _("class: %(level)s") % {"level": _level(float(calculations[k]))}
            for k in means
        ]
    if own is None and not notes:
        return _("%(indicator)s: no value yet") % {"indicator": name}
    if own is None:
        return _("%(indicator)s: %(comparison)s") % {
            "indicator": name,
            "comparison": "; ".join(notes),
        }
    if not notes:
        return own
    return _("%(value)s (%(comparison)s)") % {
        "value": own,
        "comparison": "; ".join(notes),
    }


def prediction_reasons(
    prediction: Any,
    *,
    facts: Facts | None = None,
    limit: int | None = None,
    about_class: bool | None = None,
) -> list[Reason]:
    """The prediction's stored reasons, one per measure, ranked, in words ([] when
    it has none).

    The stored weights of the columns of one measure (an indicator, the ones that
    restate it such as its classmates variant, and when listed its "/mean") are
    summed: a model weighs collinear columns with opposite signs, so only the sum
    is the model's effect of the measure (exactly so for linear log-odds terms).
    Ranked by the sum's size; `share` is it against the largest shown, so the
    meters compare the reasons listed together. A measure whose columns cancel out
    is no reason. `about_class` True keeps only the columns about the class as a
    whole (about_the_class: "<key>/mean", the mean of the class in the range, and
    the course-wide indicators), False only the student's own, None both (a
    measure's "/mean" then counts in its reason).
    """
    stored = prediction.reasons if isinstance(prediction.reasons, dict) else {}
    items = [i for i in stored.get("items", []) if isinstance(i, dict) and "key" in i]
    if about_class is not None:
        items = [i for i in items if about_the_class(i["key"]) is about_class]
    groups: dict[str, list[tuple[str, float]]] = {}
    for item in items:
        groups.setdefault(measure_of(item["key"]), []).append(
            (item["key"], float(item.get("weight", 0)))
        )
    nets = [
        (measure, members, round(sum(w for _k, w in members), 4))
        for measure, members in groups.items()
    ]
    ranked = sorted((n for n in nets if n[2] != 0), key=lambda n: -abs(n[2]))
    if limit is not None:
        ranked = ranked[:limit]
    if not ranked:
        return []
    largest = abs(ranked[0][2])
    calculations = prediction.calculations or {}
    return [
        Reason(
            key=measure,
            text=measure_text(measure, calculations, facts, about_class=about_class),
            weight=net,
            share=max(4, round(100 * abs(net) / largest)),
            raises=net > 0,
            columns=tuple(k for k, _w in members),
        )
        for measure, members, net in ranked
    ]


def indicator_texts(
    calculations: dict[str, Any],
    facts: Facts | None = None,
    *,
    about_class: bool = False,
    order: Sequence[str] | None = None,
) -> list[str]:
    """Every measure of a prediction in words, once each: the student's (the class
    means and the course-wide measures left out: they are the class's, not the
    student's), or with `about_class` the course-wide ones (the class means are
    listed in neither). In the order of `order` (the model's indicators), then by
    key; without it, in the order of `calculations` (a JSON column on PostgreSQL
    keeps no key order, so pages pass `order`)."""
    measures: list[str] = []
    for key in calculations:
        if key.startswith("_") or key.endswith("/mean"):
            continue
        measure = measure_of(key)
        if measure not in measures and course_wide(measure) is about_class:
            measures.append(measure)
    if order is not None:
        rank: dict[str, int] = {}
        for position, key in enumerate(order):
            rank.setdefault(measure_of(key), position)
        measures.sort(key=lambda m: (rank.get(m, len(rank)), m))
    return [measure_text(m, calculations, facts) for m in measures]


def reasons_method(prediction: Any) -> str:
    """How the reasons were computed: "linear", "perturbation",
    "site_perturbation", "none" (the server gave none) or "" (not stored)."""
    stored = prediction.reasons if isinstance(prediction.reasons, dict) else {}
    return str(stored.get("method", ""))
