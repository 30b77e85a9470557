"""Forum: cognitive depth and social breadth (Moodle's mod_forum indicators).

One module per activity type, as Moodle's mod_forum/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class ForumCognitiveDepth(CognitiveDepth):
    key = "mod_forum_cognitive_depth"
    label = _("Forum cognitive depth")
    moodle_id = "\\mod_forum\\analytics\\indicator\\cognitive_depth"
    modname = "forum"


class ForumSocialBreadth(SocialBreadth):
    key = "mod_forum_social_breadth"
    label = _("Forum social breadth")
    moodle_id = "\\mod_forum\\analytics\\indicator\\social_breadth"
    modname = "forum"
