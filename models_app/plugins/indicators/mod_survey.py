"""Survey: cognitive depth and social breadth (Moodle's mod_survey indicators).

One module per activity type, as Moodle's mod_survey/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class SurveyCognitiveDepth(CognitiveDepth):
    key = "mod_survey_cognitive_depth"
    label = _("Survey cognitive depth")
    moodle_id = "\\mod_survey\\analytics\\indicator\\cognitive_depth"
    modname = "survey"


class SurveySocialBreadth(SocialBreadth):
    key = "mod_survey_social_breadth"
    label = _("Survey social breadth")
    moodle_id = "\\mod_survey\\analytics\\indicator\\social_breadth"
    modname = "survey"
