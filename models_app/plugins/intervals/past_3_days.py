"""Every 3 days from the start, predicting from the 3 days just past."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import PastPeriodic
from models_app.plugins.intervals.periods import Period


class Past3Days(PastPeriodic):
    """Every 3 days from the start, predicting from the 3 days just past."""

    key = "past_3_days"
    label = _("Past 3 days")
    period = Period(days=3)
