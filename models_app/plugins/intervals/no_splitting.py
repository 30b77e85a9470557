"""No time limits: one range covering all time."""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from models_app.plugins.base import Analysable, Interval, Range
from models_app.plugins.intervals.base import numbered

#: Moodle's analysable::MAX_TIME, the end of "all time".
MAX_TIME = 9_999_999_999


class NoSplitting(Interval):
    """One range `[0, MAX_TIME]`, whatever the analysable's dates, always predictable.

    For models where time does not matter. It is neither before nor after now.
    Moodle's base rule would never let it train (its end is in the year 2286), but
    Moodle's training takes every range of a non-periodic interval without asking;
    Foresight says so explicitly: it is always ready to train and to predict.
    """

    key = "no_splitting"
    label = _("No time limits")
    kinds: ClassVar[frozenset[str]] = frozenset({"no_splitting"})

    def ranges(
        self, analysable: Analysable, *, now: int, first_analysis: int | None = None
    ) -> list[Range]:
        return numbered([(0, MAX_TIME, 0)])

    def ready_to_predict(self, range_: Range, *, now: int) -> bool:
        return True

    def ready_to_train(self, range_: Range, *, now: int) -> bool:
        return True
