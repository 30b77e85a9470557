"""External tool: cognitive depth and social breadth (Moodle's mod_lti indicators).

One module per activity type, as Moodle's mod_lti/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class LtiCognitiveDepth(CognitiveDepth):
    key = "mod_lti_cognitive_depth"
    label = _("External tool cognitive depth")
    moodle_id = "\\mod_lti\\analytics\\indicator\\cognitive_depth"
    modname = "lti"


class LtiSocialBreadth(SocialBreadth):
    key = "mod_lti_social_breadth"
    label = _("External tool social breadth")
    moodle_id = "\\mod_lti\\analytics\\indicator\\social_breadth"
    modname = "lti"
