"""One prediction a week after the start, from all activity since the start."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import PeriodAfterStart
from models_app.plugins.intervals.periods import Period


class OneWeekAfterStart(PeriodAfterStart):
    """One prediction a week after the start, from all activity since the start."""

    key = "one_week_after_start"
    label = _("One week after start")
    wait = Period(days=7)
    wait_words = _("one week")
