"""IMS content package: cognitive depth and social breadth (Moodle's mod_imscp indicators).

One module per activity type, as Moodle's mod_imscp/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class ImscpCognitiveDepth(CognitiveDepth):
    key = "mod_imscp_cognitive_depth"
    label = _("IMS content package cognitive depth")
    moodle_id = "\\mod_imscp\\analytics\\indicator\\cognitive_depth"
    modname = "imscp"


class ImscpSocialBreadth(SocialBreadth):
    key = "mod_imscp_social_breadth"
    label = _("IMS content package social breadth")
    moodle_id = "\\mod_imscp\\analytics\\indicator\\social_breadth"
    modname = "imscp"
