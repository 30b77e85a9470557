"""File: cognitive depth and social breadth (Moodle's mod_resource indicators).

One module per activity type, as Moodle's mod_resource/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class ResourceCognitiveDepth(CognitiveDepth):
    key = "mod_resource_cognitive_depth"
    label = _("File cognitive depth")
    moodle_id = "\\mod_resource\\analytics\\indicator\\cognitive_depth"
    modname = "resource"


class ResourceSocialBreadth(SocialBreadth):
    key = "mod_resource_social_breadth"
    label = _("File social breadth")
    moodle_id = "\\mod_resource\\analytics\\indicator\\social_breadth"
    modname = "resource"
