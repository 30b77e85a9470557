"""Every 3 days from the first analysis, predicting about the next 3 days."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import UpcomingPeriodic
from models_app.plugins.intervals.periods import Period


class Upcoming3Days(UpcomingPeriodic):
    """Every 3 days from the first analysis, predicting about the next 3 days."""

    key = "upcoming_3_days"
    label = _("Upcoming 3 days")
    period = Period(days=3)
