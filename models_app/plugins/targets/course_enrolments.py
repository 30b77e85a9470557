"""Students' enrolments in a course (Moodle's abstract course_enrolments target).

Base of the dropout, completion, grade to pass and access targets: the analysable is
a course, a sample is a student's enrolment, the insight goes to the course's
teachers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.base import Action, Analysable
from models_app.plugins.targets.kinds import AnalysisTarget, url_or_blank

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

YEARSECS = 365 * 86400
WEEKSECS = 7 * 86400
#: Moodle's ENROL_ACTIVE_PERCENT_REQUIRED.
ENROL_ACTIVE_PERCENT_REQUIRED = 0.7


def for_training(mode: str) -> bool:
    return mode in ("training", "evaluation")


class CourseEnrolments(AnalysisTarget):
    """Validity rules shared by the targets about students' enrolments.

    Decision on the 70% rule: Moodle labels training samples without the range's
    times, so its enrolment-activity rule only ever applies to rule-based targets at
    prediction time. Foresight applies it as intended: a (sample, range) row is
    kept for training and evaluation only when the enrolment covers at least 70% of
    the range, and at prediction time for rule-based targets (as Moodle).
    """

    analysable_kind = "course"
    sample_kind = "enrolment"
    accepted_interval_kinds: ClassVar[frozenset[str]] = frozenset({"before_now"})
    #: Moodle requires an end date and a course no longer than a year and 4 weeks.
    requires_end: ClassVar[bool] = True
    requires_finished_for_training: ClassVar[bool] = True

    def analysable_invalid_reason(
        self, *, analysable: Analysable, data: AnalysisData, mode: str, now: int
    ) -> str | None:
        start, end = analysable.start, analysable.end
        if not start or start > now:
            return _("The course has not yet started.")
        if mode == "prediction" and not analysable.visible:
            return _("The course is hidden from students.")
        if not data.role_holders(("student",)).get(analysable.id):
            return _("The course has no students.")
        if self.requires_end and not end:
            return _("The course does not have an end date.")
        if end and end < start:
            return _("The course end date is earlier than its start date.")
        # cast: requires_end returned above when there is no end.
        if self.requires_end and cast(int, end) - start > YEARSECS + 4 * WEEKSECS:
            return _(
                "The course is too long: it lasts more than a year and four weeks, "
                "so its dates are probably wrong."
            )
        finished = bool(end) and cast(int, end) < now
        if mode == "prediction" and finished:
            return _("The course has already finished.")
        if for_training(mode) and self.requires_finished_for_training and not finished:
            return _("The course has not yet finished.")
        return None

    def samples_valid(self, *, data: AnalysisData, mode: str, now: int) -> np.ndarray:
        samples = data.samples
        courses = data.courses()
        cstart = np.array(
            [courses.get(int(c), {}).get("start") or 0 for c in samples.course],
            dtype=float,
        )
        cend = np.array(
            [courses.get(int(c), {}).get("end") or 0 for c in samples.course],
            dtype=float,
        )
        begin, finish = samples.enrol_start, samples.enrol_end
        invalid = finish < cstart  # ended before the course started
        invalid |= begin < cstart - (YEARSECS + 4 * WEEKSECS)
        invalid |= (cend > 0) & (begin > cend)
        invalid |= begin > now
        if mode == "prediction":
            invalid |= finish < now
        return ~invalid

    def rows_valid(self, *, data: AnalysisData, mode: str) -> np.ndarray:
        if mode == "prediction" and not self.based_on_assumptions:
            return np.ones(len(data.rows), dtype=bool)
        begin = np.nan_to_num(data.samples.enrol_start[data.rows.sample], nan=0.0)
        finish = np.nan_to_num(data.samples.enrol_end[data.rows.sample], nan=np.inf)
        start, end = data.row_start.astype(float), data.row_end.astype(float)
        valid = ~((end > 0) & (end < begin)) & ~((start > 0) & (finish < start))
        both = (start > 0) & (end > 0) & (end > start)
        covered = np.minimum(finish, end) - np.maximum(begin, start)
        ratio = np.where(both, covered / np.where(both, end - start, 1), 1.0)
        return valid & (ratio >= ENROL_ACTIVE_PERCENT_REQUIRED)

    def insight_subject(self, *, context_name: str) -> str:
        return _("Students at risk in %(course)s course") % {"course": context_name}

    def insight_body(self, *, first_name: str, context_name: str) -> str:
        return _(
            "Hi %(first_name)s,<p>Students in the %(course)s course have been "
            "identified as being at risk.</p>"
        ) % {"first_name": first_name, "course": context_name}

    def prediction_actions(self, *, sample_url_args: dict[str, Any]) -> list[Action]:
        prediction = sample_url_args.get("prediction_id")
        return [
            Action(
                name="studentmessage",
                label=gettext_lazy("Send message"),
                url=url_or_blank("insights:prediction_message", prediction)
                if prediction
                else "",
            ),
            Action(
                name="viewoutlinereport",
                label=gettext_lazy("Outline report"),
                url=url_or_blank("insights:prediction_outline", prediction)
                if prediction
                else "",
            ),
            *self.details_action(sample_url_args=sample_url_args),
        ]

    def bulk_actions(self) -> list[Action]:
        return [
            Action(
                "studentmessage",
                gettext_lazy("Send message"),
                kind="neutral",
                bulk=True,
            ),
            *super().bulk_actions(),
        ]
