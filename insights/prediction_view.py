"""What the prediction page adds to the stored values: the reasons in words with
their figures, one per measure (insights.reasons: an indicator and its classmates
variant are one), the student's weekly activity against the class and the risk
over the analysed periods (insights.charts)."""

from __future__ import annotations

from typing import Any

from insights.activity import course_activity
from insights.charts import risk_over_runs_chart, weekly_activity_chart
from insights.models import Prediction
from insights.reasons import (
    Facts,
    indicator_texts,
    prediction_reasons,
    reasons_method,
)
from insights.risk import BAND_LABELS, risk_band, risk_percent
from lms.models import Enrolment


def _start(enrolment: Enrolment) -> int | None:
    for value in (enrolment.course.startdate, enrolment.timestart):
        if value is not None:
            return int(value.timestamp())
    return None


def prediction_pictures(*, prediction: Prediction, sample: Any) -> dict[str, Any]:
    """Template context: `reasons` and `class_reasons`, `indicator_texts` and
    `course_indicator_texts`, `reasons_method`, `band`, `band_label`, `percent`,
    `risk_chart`, and for a student in a course `activity_chart`."""
    history = list(
        Prediction.objects.filter(
            model_id=prediction.model_id,
            context_id=prediction.context_id,
            sampleid=prediction.sampleid,
        ).only("pk", "rangeindex", "predictionscore", "timeend")
    )
    band = risk_band(prediction.predictionscore)
    out: dict[str, Any] = {
        "band": band,
        "band_label": BAND_LABELS[band],
        "percent": risk_percent(prediction.predictionscore),
        "risk_chart": risk_over_runs_chart(history) if len(history) > 1 else None,
        "reasons_method": reasons_method(prediction),
        "activity_chart": None,
    }
    facts = None
    enrolment_id = sample.url_args.get("enrolment_id") if sample else None
    enrolment = (
        Enrolment.objects.select_related("course").filter(pk=enrolment_id).first()
        if enrolment_id
        else None
    )
    if enrolment is not None and prediction.timeend:
        activity = course_activity(course=enrolment.course, until=prediction.timeend)
        facts = Facts(
            activity=activity,
            user_id=enrolment.user_id,
            start=prediction.timestart or prediction.timeend,
            end=prediction.timeend,
        )
        start = _start(enrolment)
        if start is not None and start < prediction.timeend:
            out["activity_chart"] = weekly_activity_chart(
                activity=activity,
                user_id=enrolment.user_id,
                start=start,
                until=prediction.timeend,
            )
    out["reasons"] = prediction_reasons(prediction, facts=facts, about_class=False)
    out["class_reasons"] = prediction_reasons(prediction, facts=facts, about_class=True)
    calculations = prediction.calculations or {}
    order = list(prediction.model.indicators or [])
    out["indicator_texts"] = indicator_texts(calculations, facts, order=order)
    out["course_indicator_texts"] = indicator_texts(
        calculations, facts, about_class=True, order=order
    )
    return out
