"""Students who have not accessed the course yet (Moodle's no_access_since_course_start)."""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.targets.no_recent_accesses import NoRecentAccesses


class NoAccessSinceCourseStart(NoRecentAccesses):
    """Rule-based: 1 when the student has not accessed the course since it started
    (one range from the start to now, after a wait)."""

    key = "no_access_since_course_start"
    label = gettext_lazy("Students who have not accessed the course yet")
    moodle_id = "\\core_course\\analytics\\target\\no_access_since_course_start"
    accepted_interval_kinds: ClassVar[frozenset[str]] = frozenset({"after_start"})
    insight_info = gettext_lazy(
        "The following students have not accessed a course they are enrolled in "
        "since it started."
    )

    def insight_body(self, *, first_name: str, context_name: str) -> str:
        return _(
            "Hi %(first_name)s,<p>A number of students in %(course)s have never "
            "accessed the course.</p>"
        ) % {"first_name": first_name, "course": context_name}
