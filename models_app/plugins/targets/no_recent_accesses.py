"""Students who have not accessed the course recently (Moodle's no_recent_accesses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.base import Analysable
from models_app.plugins.targets.course_enrolments import CourseEnrolments

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class NoRecentAccesses(CourseEnrolments):
    """Rule-based: 1 when the any_course_access indicator is -1 for the range.

    Needs no end date; a course must have started and have students, and to get
    predictions be visible and not finished.
    """

    key = "no_recent_accesses"
    label = gettext_lazy("Students who have not accessed the course recently")
    moodle_id = "\\core_course\\analytics\\target\\no_recent_accesses"
    based_on_assumptions = True
    accepted_interval_kinds: ClassVar[frozenset[str]] = frozenset({"past_periodic"})
    required_indicators: ClassVar[tuple[str, ...]] = ("any_course_access",)
    insight_info = gettext_lazy(
        "The following students have not accessed a course they are enrolled in "
        "within the set analysis interval (by default the past month)."
    )

    def classes_description(self) -> list:
        return [gettext_lazy("Accessed the course"), gettext_lazy("No accesses")]

    def analysable_invalid_reason(
        self, *, analysable: Analysable, data: AnalysisData, mode: str, now: int
    ) -> str | None:
        start, end = analysable.start, analysable.end
        if not start or start > now:
            return _("The course has not yet started.")
        if not data.role_holders(("student",)).get(analysable.id):
            return _("The course has no students.")
        if mode == "prediction" and not analysable.visible:
            return _("The course is hidden from students.")
        if end and end < start:
            return _("The course end date is earlier than its start date.")
        if mode == "prediction" and end and end < now:
            return _("The course has already finished.")
        return None

    def calculate(
        self, *, data: AnalysisData, indicators: dict[str, np.ndarray]
    ) -> np.ndarray:
        return np.where(indicators["any_course_access"] == -1, 1.0, 0.0)

    def insight_body(self, *, first_name: str, context_name: str) -> str:
        return _(
            "Hi %(first_name)s,<p>A number of students in %(course)s have not "
            "accessed the course recently.</p>"
        ) % {"first_name": first_name, "course": context_name}
