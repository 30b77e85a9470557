"""Quiz: cognitive depth and social breadth (Moodle's mod_quiz indicators).

One module per activity type, as Moodle's mod_quiz/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class QuizCognitiveDepth(CognitiveDepth):
    key = "mod_quiz_cognitive_depth"
    label = _("Quiz cognitive depth")
    moodle_id = "\\mod_quiz\\analytics\\indicator\\cognitive_depth"
    modname = "quiz"


class QuizSocialBreadth(SocialBreadth):
    key = "mod_quiz_social_breadth"
    label = _("Quiz social breadth")
    moodle_id = "\\mod_quiz\\analytics\\indicator\\social_breadth"
    modname = "quiz"
