"""Book: cognitive depth and social breadth (Moodle's mod_book indicators).

One module per activity type, as Moodle's mod_book/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class BookCognitiveDepth(CognitiveDepth):
    key = "mod_book_cognitive_depth"
    label = _("Book cognitive depth")
    moodle_id = "\\mod_book\\analytics\\indicator\\cognitive_depth"
    modname = "book"


class BookSocialBreadth(SocialBreadth):
    key = "mod_book_social_breadth"
    label = _("Book social breadth")
    moodle_id = "\\mod_book\\analytics\\indicator\\social_breadth"
    modname = "book"
