"""The course in 4 equal parts; each prediction uses all activity since the start."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import AccumulativeParts


class QuartersAccum(AccumulativeParts):
    """The course in 4 equal parts; each prediction uses all activity since the start."""

    key = "quarters_accum"
    label = _("All previous quarters")
    parts = 4
