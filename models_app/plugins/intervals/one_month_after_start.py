"""One prediction a month after the start, from all activity since the start."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from models_app.plugins.intervals.base import PeriodAfterStart
from models_app.plugins.intervals.periods import Period


class OneMonthAfterStart(PeriodAfterStart):
    """One prediction a month after the start, from all activity since the start."""

    key = "one_month_after_start"
    label = _("One month after start")
    wait = Period(months=1)
    wait_words = _("one month")
