"""Text and media area: cognitive depth and social breadth (Moodle's mod_label indicators).

One module per activity type, as Moodle's mod_label/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class LabelCognitiveDepth(CognitiveDepth):
    key = "mod_label_cognitive_depth"
    label = _("Text and media area cognitive depth")
    moodle_id = "\\mod_label\\analytics\\indicator\\cognitive_depth"
    modname = "label"


class LabelSocialBreadth(SocialBreadth):
    key = "mod_label_social_breadth"
    label = _("Text and media area social breadth")
    moodle_id = "\\mod_label\\analytics\\indicator\\social_breadth"
    modname = "label"
