"""Every fortnight from the first analysis, predicting about the next fortnight."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import UpcomingPeriodic
from models_app.plugins.intervals.periods import Period


class UpcomingFortnight(UpcomingPeriodic):
    """Every fortnight from the first analysis, predicting about the next fortnight."""

    key = "upcoming_fortnight"
    label = _("Upcoming fortnight")
    period = Period(days=14)
