"""Lesson: cognitive depth and social breadth (Moodle's mod_lesson indicators).

One module per activity type, as Moodle's mod_lesson/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class LessonCognitiveDepth(CognitiveDepth):
    key = "mod_lesson_cognitive_depth"
    label = _("Lesson cognitive depth")
    moodle_id = "\\mod_lesson\\analytics\\indicator\\cognitive_depth"
    modname = "lesson"


class LessonSocialBreadth(SocialBreadth):
    key = "mod_lesson_social_breadth"
    label = _("Lesson social breadth")
    moodle_id = "\\mod_lesson\\analytics\\indicator\\social_breadth"
    modname = "lesson"
