"""Folder: cognitive depth and social breadth (Moodle's mod_folder indicators).

One module per activity type, as Moodle's mod_folder/classes/analytics/indicator.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import (
    CognitiveDepth,
    SocialBreadth,
)


class FolderCognitiveDepth(CognitiveDepth):
    key = "mod_folder_cognitive_depth"
    label = _("Folder cognitive depth")
    moodle_id = "\\mod_folder\\analytics\\indicator\\cognitive_depth"
    modname = "folder"


class FolderSocialBreadth(SocialBreadth):
    key = "mod_folder_social_breadth"
    label = _("Folder social breadth")
    moodle_id = "\\mod_folder\\analytics\\indicator\\social_breadth"
    modname = "folder"
