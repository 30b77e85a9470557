"""Wiki: cognitive depth and social breadth (Moodle's mod_wiki indicators).

One module per activity type, as Moodle's mod_wiki/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class WikiCognitiveDepth(CognitiveDepth):
    key = "mod_wiki_cognitive_depth"
    label = _("Wiki cognitive depth")
    moodle_id = "\\mod_wiki\\analytics\\indicator\\cognitive_depth"
    modname = "wiki"


class WikiSocialBreadth(SocialBreadth):
    key = "mod_wiki_social_breadth"
    label = _("Wiki social breadth")
    moodle_id = "\\mod_wiki\\analytics\\indicator\\social_breadth"
    modname = "wiki"
