"""Chat: cognitive depth and social breadth (Moodle's mod_chat indicators).

One module per activity type, as Moodle's mod_chat/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class ChatCognitiveDepth(CognitiveDepth):
    key = "mod_chat_cognitive_depth"
    label = _("Chat cognitive depth")
    moodle_id = "\\mod_chat\\analytics\\indicator\\cognitive_depth"
    modname = "chat"


class ChatSocialBreadth(SocialBreadth):
    key = "mod_chat_social_breadth"
    label = _("Chat social breadth")
    moodle_id = "\\mod_chat\\analytics\\indicator\\social_breadth"
    modname = "chat"
