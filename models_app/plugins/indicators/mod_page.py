"""Page: cognitive depth and social breadth (Moodle's mod_page indicators).

One module per activity type, as Moodle's mod_page/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class PageCognitiveDepth(CognitiveDepth):
    key = "mod_page_cognitive_depth"
    label = _("Page cognitive depth")
    moodle_id = "\\mod_page\\analytics\\indicator\\cognitive_depth"
    modname = "page"


class PageSocialBreadth(SocialBreadth):
    key = "mod_page_social_breadth"
    label = _("Page social breadth")
    moodle_id = "\\mod_page\\analytics\\indicator\\social_breadth"
    modname = "page"
