"""URL: cognitive depth and social breadth (Moodle's mod_url indicators).

One module per activity type, as Moodle's mod_url/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class UrlCognitiveDepth(CognitiveDepth):
    key = "mod_url_cognitive_depth"
    label = _("URL cognitive depth")
    moodle_id = "\\mod_url\\analytics\\indicator\\cognitive_depth"
    modname = "url"


class UrlSocialBreadth(SocialBreadth):
    key = "mod_url_social_breadth"
    label = _("URL social breadth")
    moodle_id = "\\mod_url\\analytics\\indicator\\social_breadth"
    modname = "url"
