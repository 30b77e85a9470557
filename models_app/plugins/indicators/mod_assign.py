"""Assignment: cognitive depth and social breadth (Moodle's mod_assign indicators).

One module per activity type, as Moodle's mod_assign/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class AssignCognitiveDepth(CognitiveDepth):
    key = "mod_assign_cognitive_depth"
    label = _("Assignment cognitive depth")
    moodle_id = "\\mod_assign\\analytics\\indicator\\cognitive_depth"
    modname = "assign"


class AssignSocialBreadth(SocialBreadth):
    key = "mod_assign_social_breadth"
    label = _("Assignment social breadth")
    moodle_id = "\\mod_assign\\analytics\\indicator\\social_breadth"
    modname = "assign"
