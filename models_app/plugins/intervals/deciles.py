"""The course in 10 equal parts; each prediction uses only the tenth just ended."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import EqualParts


class Deciles(EqualParts):
    """The course in 10 equal parts; each prediction uses only the tenth just ended."""

    key = "deciles"
    label = _("Last tenth")
    parts = 10
