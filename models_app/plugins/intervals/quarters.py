"""The course in 4 equal parts; each prediction uses only the quarter just ended."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import EqualParts


class Quarters(EqualParts):
    """The course in 4 equal parts; each prediction uses only the quarter just ended."""

    key = "quarters"
    label = _("Last quarter")
    parts = 4
