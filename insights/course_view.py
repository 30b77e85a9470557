"""The course view of an insight: who is flagged, how badly, what changed, why.

Builds the rows and figures the insight page shows (views stay thin): the latest
prediction per student with its risk band, top reasons, last access and activity
against the class, sorted and filtered as asked; the counts by band; the changes
since the previous run (insights.risk), with the students no longer flagged
apart; and the risk distribution chart, or for a rule's target (a yes/no answer,
its score always the same) the counts per predicted outcome instead.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from insights.actions import DETAILS, prediction_actions_of
from insights.activity import CourseActivity, course_activity, course_students
from insights.charts import Chart, risk_distribution_chart
from insights.describe import class_label, samples_describe, unix_to_datetime
from insights.models import Insight, Prediction
from insights.reasons import TOP, Facts, Reason, prediction_reasons, reasons_method
from insights.risk import (
    BAND_LABELS,
    BAND_SHORT,
    BANDS,
    CHANGE_LABELS,
    GONE,
    Changes,
    changes_between_runs,
    risk_band,
    risk_percent,
)
from lms.models import Course

SORTS = ("risk", "name", "last_access", "activity")


@dataclass
class Row:
    prediction: Prediction
    sample: Any
    class_label: str
    band: str
    band_label: str
    percent: int
    change: str
    change_label: str
    reasons: list[Reason]
    no_reasons: bool
    last_access: Any = None
    activity_percent: int | None = None
    actions: list[Any] = field(default_factory=list)


@dataclass
class CourseView:
    rows: list[Row]
    gone: list[Row]
    enrolled: int | None
    flagged: int
    bands: list[dict[str, Any]]
    changes: Changes
    has_changes: bool
    #: The risk histogram; None for a rule's target, whose score has no gradient.
    distribution: Chart | None
    sort: str
    band: str
    change: str
    query: str
    class_labels: list[str] = field(default_factory=list)
    #: The end of the latest analysed period: what the reasons' counts run up to.
    reasons_as_of: dt.datetime | None = None
    #: How many of the flagged have each predicted outcome, most first.
    outcomes: list[dict[str, Any]] = field(default_factory=list)


def _course_of(insight: Insight, target: Any) -> Course | None:
    if getattr(target, "sample_kind", None) != "enrolment":
        return None
    return Course.objects.filter(pk=insight.context.instanceid).first()


def _row(
    *,
    prediction: Prediction,
    sample: Any,
    target: Any,
    changes: Changes,
    activity: CourseActivity | None,
) -> Row:
    band = risk_band(prediction.predictionscore)
    facts = None
    last_access = None
    activity_percent = None
    user_id = sample.url_args.get("user_id")
    if activity is not None and user_id is not None:
        end = prediction.timeend or activity.until
        start = prediction.timestart or end
        facts = Facts(activity=activity, user_id=user_id, start=start, end=end)
        last_access = unix_to_datetime(activity.last_access(user_id, activity.until))
        median = activity.class_median(start, end)
        if median > 0:
            activity_percent = round(
                100 * activity.events(user_id, start, end) / median
            )
    change = changes.of(prediction.sampleid)
    return Row(
        prediction=prediction,
        sample=sample,
        class_label=class_label(target, prediction.prediction),
        band=band,
        band_label=str(BAND_SHORT[band]),
        percent=risk_percent(prediction.predictionscore),
        change=change,
        change_label=str(CHANGE_LABELS.get(change, "")),
        reasons=prediction_reasons(
            prediction, facts=facts, limit=TOP, about_class=False
        ),
        no_reasons=reasons_method(prediction) == "none",
        last_access=last_access,
        activity_percent=activity_percent,
        actions=[
            action
            for action in prediction_actions_of(
                target,
                sample_url_args={**sample.url_args, "prediction_id": prediction.pk},
            )
            if action.name != DETAILS
        ],
    )


def _sorted(rows: list[Row], sort: str) -> list[Row]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "name":
        rows.sort(key=lambda r: r.sample.name.casefold(), reverse=descending)
    elif key == "last_access":
        # Longest without access first unless reversed; never accessed first.
        rows.sort(
            key=lambda r: (r.last_access is not None, r.last_access or 0),
            reverse=descending,
        )
    elif key == "activity":
        rows.sort(
            key=lambda r: (r.activity_percent is not None, r.activity_percent or 0),
            reverse=descending,
        )
    else:  # risk, highest first
        rows.sort(key=lambda r: r.prediction.predictionscore, reverse=not descending)
    return rows


def _outcome_counts(rows: list[Row]) -> list[dict[str, Any]]:
    """Flagged samples per predicted outcome ("label", "count"), most first."""
    counts = Counter(row.class_label for row in rows)
    return [
        {"label": label, "count": count}
        for label, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def course_view_build(
    *,
    insight: Insight,
    target: Any,
    visible: list[Prediction],
    sort: str = "risk",
    band: str = "",
    change: str = "",
    query: str = "",
) -> CourseView:
    """The course view of `insight` for the predictions `visible` to the viewer
    (latest per sample, flagged ones left out), sorted and filtered."""
    if sort.lstrip("-") not in SORTS:
        sort = "risk"
    band = band if band in BANDS else ""
    course = _course_of(insight, target)
    history = list(
        Prediction.objects.filter(
            model_id=insight.model_id, context_id=insight.context_id
        ).only("pk", "sampleid", "rangeindex", "predictionscore")
    )
    changes = changes_between_runs(history) if course is not None else Changes()
    activity = None
    enrolled = None
    if course is not None and visible:
        until = max((p.timeend or 0) for p in visible) or None
        if until:
            activity = course_activity(course=course, until=until)
            enrolled = len(activity.students)
    if course is not None and enrolled is None:
        enrolled = len(course_students(course))
    kind = getattr(target, "sample_kind", None)
    samples = samples_describe(kind=kind, ids=[p.sampleid for p in visible])
    rows: list[Row] = []
    gone: list[Row] = []
    for prediction in visible:
        sample = samples.get(prediction.sampleid)
        if sample is None:
            continue
        if changes.latest is not None and prediction.rangeindex != changes.latest:
            if changes.of(prediction.sampleid) == GONE:
                gone.append(
                    _row(
                        prediction=prediction,
                        sample=sample,
                        target=target,
                        changes=changes,
                        activity=activity,
                    )
                )
            continue
        rows.append(
            _row(
                prediction=prediction,
                sample=sample,
                target=target,
                changes=changes,
                activity=activity,
            )
        )
    flagged = len(rows)
    counts = dict.fromkeys(BANDS, 0)
    for row in rows:
        counts[row.band] += 1
    distribution = (
        None
        if getattr(target, "based_on_assumptions", False)
        else risk_distribution_chart([r.prediction.predictionscore for r in rows])
    )
    shown = [
        r
        for r in rows
        if (not band or r.band == band)
        and (not change or r.change == change)
        and (not query or query.casefold() in r.sample.name.casefold())
    ]
    return CourseView(
        rows=_sorted(shown, sort),
        gone=sorted(gone, key=lambda r: r.sample.name.casefold()),
        enrolled=enrolled,
        flagged=flagged,
        bands=[
            {"key": b, "label": str(BAND_LABELS[b]), "count": counts[b]} for b in BANDS
        ],
        changes=changes,
        has_changes=changes.previous is not None,
        distribution=distribution,
        sort=sort,
        band=band,
        change=change,
        query=query,
        class_labels=sorted({r.class_label for r in rows}),
        outcomes=_outcome_counts(rows),
        # Only when some row has reasons to date (a rule's rows have none).
        reasons_as_of=unix_to_datetime(
            max((r.prediction.timeend or 0 for r in rows if r.reasons), default=0)
            or None
        ),
    )


def summary_sentence(view: CourseView) -> str:
    """ "5 of 24 students flagged" (or "5 flagged" when the class is unknown)."""
    if view.enrolled:
        return _("%(flagged)d of %(enrolled)d students flagged") % {
            "flagged": view.flagged,
            "enrolled": view.enrolled,
        }
    return _("%(flagged)d flagged") % {"flagged": view.flagged}
