"""How early and how well would the model have warned? Train on finished courses,
then replay the nightly prediction on other finished courses as it would have run
at each point of them.

Moodle's evaluation splits the samples of the same courses at random (80/20), which
mixes a student's early and late ranges and says nothing about next year. A
backtest does what a site does with a model: it learns from courses that are over
and predicts courses it has never seen, at moments when their outcome was unknown.

- Training: the model's training dataset of the training courses (as the nightly
  "train models" would build it from scratch) goes to the model's processor under a
  scratch model id; the model's own trained state is never read nor changed.
- Replay: for each test course and each point (the prediction time of each of the
  interval's ranges, or `at` percentages of the course), the prediction dataset is
  built with the clock set to that moment: only ranges ready then, only students
  still enrolled then, only the log before the range's end. No bookkeeping is read
  or written, so the replay sees what a model that never ran would.
- Truth: the test courses' labels, from the target once the courses are over.
- Figures per point (the students of every test course pooled): ROC AUC, PR AUC,
  Brier score, calibration, precision and recall of the flagged students (those the
  insights would have shown: the target's confident, not-ignored predictions), and
  the same for a logistic regression on weekly clicks trained on the training
  courses at the same share of their course. Median lead time: days from a warned
  student's first flag to their withdrawal (enrolment end), or the course end.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from lms.models import Course, Enrolment
from models_app.analysis.analysables import course_analysables
from models_app.analysis.dataset import Dataset, dataset_build
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.services.backtest.clicks import (
    WEEK,
    baseline_probabilities,
    weekly_clicks,
)
from models_app.services.backtest.courses import CourseSpecError, courses_resolve
from models_app.services.backtest.scoring import median_lead_days, point_figures
from models_app.services.running.common import processor_for, target_of
from models_app.services.running.prediction import prediction_is_confident

__all__ = [
    "BacktestError",
    "BacktestReport",
    "CourseSpecError",
    "backtest_check",
    "backtest_run",
]


class BacktestError(Exception):
    """The backtest cannot run; the message says why and what to do."""


@dataclass
class BacktestReport:
    model_id: int
    target: str
    interval: str
    processor: str
    estimator: str
    train_courses: list[dict[str, Any]]
    test_courses: list[dict[str, Any]]
    train_samples: int
    points: list[dict[str, Any]] = field(default_factory=list)
    lead_days: float | None = None
    baseline_lead_days: float | None = None
    warned: int = 0
    positives: int = 0
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Point:
    """One prediction moment of one test course."""

    key: str  # what pools points across courses: "range 2" or "50%"
    course: Course
    time: int
    fraction: float


def backtest_run(
    *,
    model: AnalyticsModel,
    train_courses: list[Course] | str,
    test_courses: list[Course] | str,
    at: list[float] | None = None,
    now: int | None = None,
    processor: Any = None,
) -> BacktestReport:
    """Train on `train_courses`, replay on `test_courses`; see the module docstring.

    Courses may be given as a spec for `courses_resolve`. `at` holds percentages of
    the course (25, 50, ...) instead of the interval's range ends. `now` is the
    present (default: the clock), after which every course must have finished.
    `processor` replaces the model's (the quality bench compares estimators).
    """
    now = int(time.time()) if now is None else int(now)
    train, test = backtest_check(
        model=model,
        train_courses=train_courses,
        test_courses=test_courses,
        at=at,
        now=now,
    )
    target = target_of(model)
    if processor is None:
        processor, reason = processor_for(model)
        if reason:
            raise BacktestError(reason)
        # The model's own settings (its estimator), as its nightly run uses them.
        processor = type(processor).for_model(model)

    train_ds = _dataset(model, mode="training", now=now, courses=train)
    if len(train_ds) == 0 or train_ds.labels is None:
        raise BacktestError(
            _("The training courses give no sample to learn from: %(why)s")
            % {"why": " ".join(train_ds.messages) or _("no student is valid.")}
        )
    if len(np.unique(train_ds.labels)) < 2:
        raise BacktestError(
            _(
                "Every training sample has the same outcome, so there is nothing to "
                "learn: add courses where some students had the other outcome."
            )
        )
    truth = _dataset(model, mode="evaluation", now=now, courses=test)
    labels = _labels_by_sample(truth)
    report = BacktestReport(
        model_id=model.pk,
        target=model.target,
        interval=model.interval,
        processor=processor.key,
        estimator=str(getattr(processor, "estimator", "")),
        train_courses=[_course_row(c) for c in train],
        test_courses=[_course_row(c) for c in test],
        train_samples=len(train_ds),
        messages=list(dict.fromkeys(train_ds.messages + truth.messages)),
    )
    scratch_id = f"backtest{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="foresight-backtest-") as output_dir:
        out = Path(output_dir)
        trained = processor.train(
            model_id=scratch_id, dataset=train_ds.for_processor(), output_dir=out
        )
        if not trained.ok:
            raise BacktestError("; ".join(trained.info) or _("Training failed."))
        try:
            _replay(
                report=report,
                model=model,
                target=target,
                processor=processor,
                scratch_id=scratch_id,
                output_dir=out,
                points=_points(model=model, courses=test, at=at),
                labels=labels,
                train=train,
                train_ds=train_ds,
            )
        finally:
            processor.clear(model_id=scratch_id, output_dir=out)
    return report


def backtest_check(
    *,
    model: AnalyticsModel,
    train_courses: list[Course] | str,
    test_courses: list[Course] | str,
    at: list[float] | None = None,
    now: int | None = None,
) -> tuple[list[Course], list[Course]]:
    """The training and test courses, once the backtest is known to be able to
    run; raises BacktestError saying why it cannot (before any work is queued)."""
    train = _courses(train_courses)
    test = _courses(test_courses)
    _check(
        model=model,
        train=train,
        test=test,
        now=int(time.time()) if now is None else int(now),
        at=at,
    )
    return train, test


def _courses(spec: list[Course] | str) -> list[Course]:
    if isinstance(spec, str):
        try:
            return courses_resolve(spec)
        except CourseSpecError as exc:
            raise BacktestError(str(exc)) from None
    return list(spec)


def _check(
    *,
    model: AnalyticsModel,
    train: list[Course],
    test: list[Course],
    now: int,
    at: list[float] | None,
) -> None:
    target = target_of(model)
    if target is None:
        raise BacktestError(
            _("The target %(key)s is not installed.") % {"key": model.target}
        )
    if target.based_on_assumptions:
        raise BacktestError(
            _(
                "This model's target is based on rules, not learnt: there is "
                "nothing to backtest."
            )
        )
    if target.analysable_kind != "course":
        raise BacktestError(_("A backtest needs a model that analyses courses."))
    if not model.interval:
        raise BacktestError(
            _("Choose the model's analysis interval before backtesting it.")
        )
    shared = {c.pk for c in train} & {c.pk for c in test}
    if shared:
        names = ", ".join(c.shortname for c in test if c.pk in shared)
        raise BacktestError(
            _("A course cannot be both trained on and tested: %(names)s.")
            % {"names": names}
        )
    for course in [*train, *test]:
        if course.startdate is None or course.enddate is None:
            raise BacktestError(
                _("%(course)s has no start or end date; give it both first.")
                % {"course": course.shortname}
            )
        if course.enddate.timestamp() > now:
            raise BacktestError(
                _(
                    "%(course)s has not finished: a backtest needs the outcome of "
                    "every course it uses."
                )
                % {"course": course.shortname}
            )
    for share in at or []:
        if not 0 < share < 100:
            raise BacktestError(
                _("Points are percentages of the course, above 0 and below 100.")
            )


def _dataset(
    model: AnalyticsModel, *, mode: str, now: int, courses: list[Course]
) -> Dataset:
    dataset = dataset_build(
        model=model,
        mode=mode,
        now=now,
        analysable_ids={c.pk for c in courses},
        fresh=True,
    )
    if dataset.refused:
        raise BacktestError(dataset.refused)
    return dataset


def _labels_by_sample(dataset: Dataset) -> dict[int, int]:
    """The outcome of each sample (the targets backtested label samples, not
    ranges: the first label of a sample is its label)."""
    labels: dict[int, int] = {}
    if dataset.labels is None:
        return labels
    for sample, label in zip(
        dataset.sample_ids.tolist(), dataset.labels.tolist(), strict=True
    ):
        labels.setdefault(int(sample), int(label))
    return labels


def _course_row(course: Course) -> dict[str, Any]:
    return {"id": course.pk, "shortname": course.shortname, "name": course.fullname}


def _points(
    *, model: AnalyticsModel, courses: list[Course], at: list[float] | None
) -> list[_Point]:
    points = []
    interval = registry.interval_class(model.interval)()
    analysables = {a.id: a for a in course_analysables()}
    for course in courses:
        start = int(course.startdate.timestamp())  # type: ignore[union-attr]
        end = int(course.enddate.timestamp())  # type: ignore[union-attr]
        if at:
            for share in at:
                moment = start + round((end - start) * share / 100)
                points.append(_Point(f"{share:g}%", course, moment, share / 100))
            continue
        for range_ in interval.ranges(analysables[course.pk], now=end):
            fraction = (range_.time - start) / (end - start)
            points.append(
                _Point(
                    _("range %(n)s") % {"n": range_.index + 1},
                    course,
                    range_.time,
                    fraction,
                )
            )
    return points


def _replay(
    *,
    report: BacktestReport,
    model: AnalyticsModel,
    target: Any,
    processor: Any,
    scratch_id: str,
    output_dir: Path,
    points: list[_Point],
    labels: dict[int, int],
    train: list[Course],
    train_ds: Dataset,
) -> None:
    pooled: dict[str, dict[str, list]] = {}
    first_flag: dict[int, int] = {}
    baseline_first_flag: dict[int, int] = {}
    for point in points:
        ds = dataset_build(
            model=model,
            mode="prediction",
            now=point.time,
            analysable_ids={point.course.pk},
            fresh=True,
        )
        known = [i for i, s in enumerate(ds.sample_ids.tolist()) if s in labels]
        pool = pooled.setdefault(
            point.key,
            {"y": [], "p": [], "flag": [], "base_p": [], "base_flag": [], "time": []},
        )
        pool["time"].append(point.time)
        if not known:
            continue
        result = processor.predict(
            model_id=scratch_id, dataset=ds.for_processor(), output_dir=output_dir
        )
        if not result.ok:
            raise BacktestError("; ".join(result.info) or _("Prediction failed."))
        p1 = _probability_of_one(ds, result.predictions)
        samples = ds.sample_ids[known].tolist()
        y = [labels[s] for s in samples]
        p = p1[known].tolist()
        flags = [_flagged(target, value) for value in p]
        base = _baseline(
            model=model,
            train=train,
            train_ds=train_ds,
            point=point,
            samples=samples,
        )
        base_flags = (
            [_flagged(target, value) for value in base] if base is not None else []
        )
        pool["y"] += y
        pool["p"] += p
        pool["flag"] += flags
        pool["base_p"] += base if base is not None else [np.nan] * len(y)
        pool["base_flag"] += base_flags or [False] * len(y)
        for sample, flagged, base_flagged in zip(
            samples, flags, base_flags or [False] * len(y), strict=True
        ):
            if flagged:
                first_flag.setdefault(sample, point.time)
            if base_flagged:
                baseline_first_flag.setdefault(sample, point.time)

    for key, pool in pooled.items():
        y_all = np.array(pool["y"], dtype=int)
        row: dict[str, Any] = {
            "point": key,
            "courses": len(pool["time"]),
            "model": point_figures(
                y=y_all,
                p=np.array(pool["p"], dtype=float),
                flagged=np.array(pool["flag"]),
            ),
        }
        base_p = np.array(pool["base_p"], dtype=float)
        if len(base_p) and not np.isnan(base_p).any():
            row["clicks_baseline"] = point_figures(
                y=y_all, p=base_p, flagged=np.array(pool["base_flag"])
            )
        else:
            row["clicks_baseline"] = None
        report.points.append(row)

    outcome = _outcome_times(
        [s for s, label in labels.items() if label == 1], courses=points
    )
    report.positives = len(outcome)
    report.warned = sum(1 for s in first_flag if s in outcome)
    report.lead_days = median_lead_days(first_flag=first_flag, outcome_time=outcome)
    report.baseline_lead_days = median_lead_days(
        first_flag=baseline_first_flag, outcome_time=outcome
    )


def _probability_of_one(ds: Dataset, predictions: list[Any]) -> np.ndarray:
    """P(class 1) per dataset row, from each prediction's class and score."""
    row_of = {sid: i for i, sid in enumerate(ds.ids)}
    p1 = np.full(len(ds), np.nan)
    for prediction in predictions:
        i = row_of.get(prediction.sample_id)
        if i is not None:
            score = float(prediction.score)
            p1[i] = score if int(prediction.prediction) == 1 else 1.0 - score
    return p1


def _flagged(target: Any, p1: float) -> bool:
    predicted, score = (1, p1) if p1 >= 0.5 else (0, 1.0 - p1)
    return prediction_is_confident(target=target, predicted=predicted, score=score)


def _baseline(
    *,
    model: AnalyticsModel,
    train: list[Course],
    train_ds: Dataset,
    point: _Point,
    samples: list[int],
) -> list[float] | None:
    """Weekly-clicks probabilities for `samples` of the point's course."""
    from settings_app.selectors import analytics_settings

    store = analytics_settings().logstore
    train_labels = _labels_by_sample(train_ds)
    enrolments = {
        e["id"]: e
        for e in Enrolment.objects.filter(id__in=[*train_labels, *samples]).values(
            "id", "user_id", "course_id", "timeend"
        )
    }
    train_X, train_y = [], []
    weeks = max(
        int(np.ceil(point.fraction * _weeks(c))) for c in [*train, point.course]
    )
    for course in train:
        start = int(course.startdate.timestamp())  # type: ignore[union-attr]
        cut = start + round(point.fraction * (course.enddate.timestamp() - start))  # type: ignore[union-attr]
        ids = [
            sid
            for sid, e in enrolments.items()
            if e["course_id"] == course.pk
            and sid in train_labels
            and (e["timeend"] is None or e["timeend"].timestamp() >= cut)
        ]
        if not ids:
            continue
        train_X.append(
            weekly_clicks(
                store=store,
                course_id=course.pk,
                course_start=start,
                user_ids=[enrolments[s]["user_id"] for s in ids],
                cut=cut,
                weeks=weeks,
            )
        )
        train_y += [train_labels[s] for s in ids]
    if not train_X:
        return None
    test_X = weekly_clicks(
        store=store,
        course_id=point.course.pk,
        course_start=int(point.course.startdate.timestamp()),  # type: ignore[union-attr]
        user_ids=[enrolments[s]["user_id"] for s in samples],
        cut=point.time,
        weeks=weeks,
    )
    p = baseline_probabilities(
        train_X=np.vstack(train_X), train_y=np.array(train_y), test_X=test_X
    )
    return None if p is None else p.tolist()


def _weeks(course: Course) -> int:
    return max(
        1,
        int(np.ceil((course.enddate - course.startdate).total_seconds() / WEEK)),  # type: ignore[operator]
    )


def _outcome_times(positives: list[int], *, courses: list[_Point]) -> dict[int, int]:
    """When each warned-of sample's outcome came: its enrolment's end when before
    the course end (a withdrawal), else the course end."""
    course_end = {p.course.pk: int(p.course.enddate.timestamp()) for p in courses}  # type: ignore[union-attr]
    out = {}
    for e in Enrolment.objects.filter(id__in=positives).values(
        "id", "course_id", "timeend"
    ):
        end = course_end.get(e["course_id"])
        if end is None:
            continue
        ended = int(e["timeend"].timestamp()) if e["timeend"] else end
        out[e["id"]] = min(ended, end)
    return out
