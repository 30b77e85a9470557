"""Every week from the start, predicting from the week just past."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import PastPeriodic
from models_app.plugins.intervals.periods import Period


class PastWeek(PastPeriodic):
    """Every week from the start, predicting from the week just past."""

    key = "past_week"
    label = _("Past week")
    period = Period(days=7)
