"""SCORM package: cognitive depth and social breadth (Moodle's mod_scorm indicators).

One module per activity type, as Moodle's mod_scorm/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class ScormCognitiveDepth(CognitiveDepth):
    key = "mod_scorm_cognitive_depth"
    label = _("SCORM package cognitive depth")
    moodle_id = "\\mod_scorm\\analytics\\indicator\\cognitive_depth"
    modname = "scorm"


class ScormSocialBreadth(SocialBreadth):
    key = "mod_scorm_social_breadth"
    label = _("SCORM package social breadth")
    moodle_id = "\\mod_scorm\\analytics\\indicator\\social_breadth"
    modname = "scorm"
