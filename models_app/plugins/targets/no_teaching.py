"""Courses at risk of not starting (Moodle's no_teaching)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.base import Action
from models_app.plugins.targets.kinds import AnalysisTarget, url_or_blank

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

WEEKSECS = 7 * 86400


class NoTeaching(AnalysisTarget):
    """Rule-based, site-wide: 1 for a course starting within a week (before or after
    now) that has no teacher or no student. The insight goes to the system context."""

    key = "no_teaching"
    label = gettext_lazy("Courses at risk of not starting")
    moodle_id = "\\core_course\\analytics\\target\\no_teaching"
    analysable_kind = "site"
    sample_kind = "course"
    based_on_assumptions = True
    accepted_interval_kinds: ClassVar[frozenset[str]] = frozenset({"single_range"})
    required_indicators: ClassVar[tuple[str, ...]] = ("no_teacher", "no_student")

    def classes_description(self) -> list:
        return [
            gettext_lazy(
                "Users with teaching capabilities who have access to the course"
            ),
            gettext_lazy("Courses at risk of not starting"),
        ]

    def samples_valid(self, *, data: AnalysisData, mode: str, now: int) -> np.ndarray:
        courses = data.courses()
        valid = []
        for cid in data.samples.course.tolist():
            course = courses.get(cid, {})
            # Timestamps or None; the bool() tests below come first.
            start: Any = course.get("start")
            end: Any = course.get("end")
            finished = bool(end) and end < now
            valid.append(
                bool(start)
                and not finished
                and start - WEEKSECS <= now <= start + WEEKSECS
            )
        return np.array(valid, dtype=bool)

    def calculate(
        self, *, data: AnalysisData, indicators: dict[str, np.ndarray]
    ) -> np.ndarray:
        at_risk = (indicators["no_teacher"] == -1) | (indicators["no_student"] == -1)
        return np.where(at_risk, 1.0, 0.0)

    def insight_subject(self, *, context_name: str) -> str:
        return _("Upcoming courses have no teachers or students")

    def insight_body(self, *, first_name: str, context_name: str) -> str:
        return _(
            "Hi %(first_name)s,<p>Courses with start dates in the next week have been "
            "identified as having no teacher or student enrolments.</p>"
        ) % {"first_name": first_name}

    def prediction_actions(self, *, sample_url_args: dict[str, Any]) -> list[Action]:
        course = sample_url_args.get("course_id")
        return [
            Action(
                name="viewcourse",
                label=gettext_lazy("View"),
                url=url_or_blank("admin:lms_course_change", course) if course else "",
            ),
            Action(
                name="viewparticipants",
                label=gettext_lazy("Participants"),
                url=url_or_blank("admin:lms_enrolment_changelist"),
            ),
            *self.details_action(sample_url_args=sample_url_args),
        ]
