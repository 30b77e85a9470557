"""Every month from the start, predicting from the month just past."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import PastPeriodic
from models_app.plugins.intervals.periods import Period


class PastMonth(PastPeriodic):
    """Every month from the start, predicting from the month just past."""

    key = "past_month"
    label = _("Past month")
    period = Period(months=1)
