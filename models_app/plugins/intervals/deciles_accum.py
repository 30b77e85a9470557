"""The course in 10 equal parts; each prediction uses all activity since the start."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import AccumulativeParts


class DecilesAccum(AccumulativeParts):
    """The course in 10 equal parts; each prediction uses all activity since the start."""

    key = "deciles_accum"
    label = _("All previous tenths")
    parts = 10
