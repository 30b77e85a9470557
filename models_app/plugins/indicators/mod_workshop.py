"""Workshop: cognitive depth and social breadth (Moodle's mod_workshop indicators).

One module per activity type, as Moodle's mod_workshop/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class WorkshopCognitiveDepth(CognitiveDepth):
    key = "mod_workshop_cognitive_depth"
    label = _("Workshop cognitive depth")
    moodle_id = "\\mod_workshop\\analytics\\indicator\\cognitive_depth"
    modname = "workshop"


class WorkshopSocialBreadth(SocialBreadth):
    key = "mod_workshop_social_breadth"
    label = _("Workshop social breadth")
    moodle_id = "\\mod_workshop\\analytics\\indicator\\social_breadth"
    modname = "workshop"
