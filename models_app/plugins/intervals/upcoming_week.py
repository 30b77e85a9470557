"""Every week from the first analysis, predicting about the next week."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import UpcomingPeriodic
from models_app.plugins.intervals.periods import Period


class UpcomingWeek(UpcomingPeriodic):
    """Every week from the first analysis, predicting about the next week."""

    key = "upcoming_week"
    label = _("Upcoming week")
    period = Period(days=7)
