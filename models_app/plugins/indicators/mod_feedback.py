"""Feedback: cognitive depth and social breadth (Moodle's mod_feedback indicators).

One module per activity type, as Moodle's mod_feedback/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class FeedbackCognitiveDepth(CognitiveDepth):
    key = "mod_feedback_cognitive_depth"
    label = _("Feedback cognitive depth")
    moodle_id = "\\mod_feedback\\analytics\\indicator\\cognitive_depth"
    modname = "feedback"


class FeedbackSocialBreadth(SocialBreadth):
    key = "mod_feedback_social_breadth"
    label = _("Feedback social breadth")
    moodle_id = "\\mod_feedback\\analytics\\indicator\\social_breadth"
    modname = "feedback"
