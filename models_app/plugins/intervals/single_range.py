"""The whole course as one range."""

from __future__ import annotations

from typing import ClassVar, cast

from django.utils.translation import gettext_lazy as _

from models_app.plugins.base import Analysable, Range
from models_app.plugins.intervals.base import (
    BeforeNow,
    missing_dates,
    numbered,
    require_applicable,
)


class SingleRange(BeforeNow):
    """The whole course, start to end, as one range predicted at any time.

    Its prediction time is 0, as in Moodle, so it is ready to predict from before
    the course starts, each night on the activity so far; it is ready to train once
    the course has ended. Moodle would build `[start, 0]` for a course without an
    end date (and then train on it, as 0 is in the past); Foresight refuses such an
    analysable instead, with the reason. The no teaching target accepts only this
    interval.
    """

    key = "single_range"
    label = _("From start to end")
    kinds: ClassVar[frozenset[str]] = frozenset({"before_now", "single_range"})

    def not_applicable_reason(
        self, analysable: Analysable, *, now: int | None = None
    ) -> str | None:
        return missing_dates(self, analysable)

    def ranges(
        self, analysable: Analysable, *, now: int, first_analysis: int | None = None
    ) -> list[Range]:
        require_applicable(self, analysable, now)  # so both dates are set
        start, end = cast(int, analysable.start), cast(int, analysable.end)
        return numbered([(start, end, 0)])
