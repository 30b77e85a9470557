"""Choice: cognitive depth and social breadth (Moodle's mod_choice indicators).

One module per activity type, as Moodle's mod_choice/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class ChoiceCognitiveDepth(CognitiveDepth):
    key = "mod_choice_cognitive_depth"
    label = _("Choice cognitive depth")
    moodle_id = "\\mod_choice\\analytics\\indicator\\cognitive_depth"
    modname = "choice"


class ChoiceSocialBreadth(SocialBreadth):
    key = "mod_choice_social_breadth"
    label = _("Choice social breadth")
    moodle_id = "\\mod_choice\\analytics\\indicator\\social_breadth"
    modname = "choice"
