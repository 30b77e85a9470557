"""Database: cognitive depth and social breadth (Moodle's mod_data indicators).

One module per activity type, as Moodle's mod_data/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class DataCognitiveDepth(CognitiveDepth):
    key = "mod_data_cognitive_depth"
    label = _("Database cognitive depth")
    moodle_id = "\\mod_data\\analytics\\indicator\\cognitive_depth"
    modname = "data"


class DataSocialBreadth(SocialBreadth):
    key = "mod_data_social_breadth"
    label = _("Database social breadth")
    moodle_id = "\\mod_data\\analytics\\indicator\\social_breadth"
    modname = "data"
