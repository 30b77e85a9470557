"""Student enrolments (Moodle's core_course no_student)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.no_teacher import NoTeacher


class NoStudent(NoTeacher):
    """1 when someone holds a student role in the course (or a parent context)."""

    key = "no_student"
    label = _("Student enrolments")
    moodle_id = "\\core_course\\analytics\\indicator\\no_student"
    archetypes = ("student",)
