"""Glossary: cognitive depth and social breadth (Moodle's mod_glossary indicators).

One module per activity type, as Moodle's mod_glossary/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class GlossaryCognitiveDepth(CognitiveDepth):
    key = "mod_glossary_cognitive_depth"
    label = _("Glossary cognitive depth")
    moodle_id = "\\mod_glossary\\analytics\\indicator\\cognitive_depth"
    modname = "glossary"


class GlossarySocialBreadth(SocialBreadth):
    key = "mod_glossary_social_breadth"
    label = _("Glossary social breadth")
    moodle_id = "\\mod_glossary\\analytics\\indicator\\social_breadth"
    modname = "glossary"
