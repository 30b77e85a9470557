"""One prediction once a tenth of the course has passed."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _

from models_app.plugins.base import Analysable
from models_app.plugins.intervals.base import AfterStart, missing_dates


class TenPercentAfterStart(AfterStart):
    """One range from the start to now, once 10% of the course duration has passed.

    The wait is `int((end - start) / 10)` seconds, so the course needs an end date.
    """

    key = "ten_percent_after_start"
    # xgettext:no-python-format
    label = _("10% after start")
    # xgettext:no-python-format
    wait_words = _("10% of the course duration")

    def not_applicable_reason(
        self, analysable: Analysable, *, now: int | None = None
    ) -> str | None:
        reason = missing_dates(self, analysable)
        if reason is not None:
            return reason
        return super().not_applicable_reason(analysable, now=now)

    def prediction_start(self, analysable: Analysable, *, now: int) -> int:
        # Both dates are set: not_applicable_reason checks them first.
        start, end = cast(int, analysable.start), cast(int, analysable.end)
        return now - int((end - start) / 10)
