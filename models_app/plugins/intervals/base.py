"""Families of analysis intervals (Moodle's abstract time-splitting methods).

Targets say which intervals they accept by family, as Moodle's targets test marker
interfaces. Test a class or an instance with `issubclass`/`isinstance`, or test the
`kinds` class attribute (a frozenset of these strings), which needs no import:

- "before_now" (`BeforeNow`): every range is predicted at or before "now", from
  activity that already happened (Moodle's before_now). Dropout, completion and
  grade-to-pass targets accept these.
- "after_now" (`AfterNow`): ranges look ahead from "now" (Moodle's after_now). The
  upcoming activities due target accepts these.
- "equal_parts" (`EqualParts`): quarters, deciles; "accumulative_parts"
  (`AccumulativeParts`): their accumulative variants.
- "periodic" (`Periodic`), with "past_periodic" (`PastPeriodic`, the no recent
  accesses target) and "upcoming_periodic" (`UpcomingPeriodic`).
- "after_start" (`AfterStart`): one range from the start to now, once a wait has
  passed (the no access since course start target).
- "single_range" and "no_splitting": the two concrete intervals of their own kind
  (the no teaching target accepts only single_range).

Times are Unix timestamps (ints). Where Moodle's code has a quirk, the class that
inherits it says what Foresight chose.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from models_app.plugins.base import (
    Analysable,
    Interval,
    IntervalNotApplicable,
    Range,
)
from models_app.plugins.intervals.periods import Period


def current_time(now: int | None) -> int:
    return int(time.time()) if now is None else now


def iso(timestamp: int) -> str:
    """A timestamp as an ISO datetime in UTC, for messages."""
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat().replace("+00:00", "Z")


def describe(analysable: Analysable) -> str:
    return analysable.name or f"{analysable.kind} {analysable.id}"


def numbered(triples: list[tuple[int, int, int]]) -> list[Range]:
    """Ranges from (start, end, time) triples, indexed by position as in Moodle."""
    return [
        Range(index=i, start=start, end=end, time=time_)
        for i, (start, end, time_) in enumerate(triples)
    ]


def require_applicable(interval: Interval, analysable: Analysable, now: int) -> None:
    reason = interval.not_applicable_reason(analysable, now=now)
    if reason is not None:
        raise IntervalNotApplicable(reason)


def missing_start(interval: Interval, analysable: Analysable) -> str | None:
    if not analysable.start:
        return _(
            '"%(interval)s" needs a start date and %(what)s has none: set the start '
            "date."
        ) % {"interval": interval.label, "what": describe(analysable)}
    return None


def missing_dates(interval: Interval, analysable: Analysable) -> str | None:
    """Why an interval that divides the duration cannot use this analysable."""
    reason = missing_start(interval, analysable)
    if reason is not None:
        return reason
    if not analysable.end:
        return _(
            '"%(interval)s" divides the duration and %(what)s has no end date: set '
            'the end date, or use an interval that needs none such as "Past week".'
        ) % {"interval": interval.label, "what": describe(analysable)}
    # Both dates are set: missing_start and the check above return otherwise.
    start, end = cast(int, analysable.start), analysable.end
    if end <= start:
        return _(
            "%(what)s must end after it starts, but it runs from %(start)s to "
            "%(end)s: fix its dates."
        ) % {
            "what": capfirst(describe(analysable)),
            "end": iso(end),
            "start": iso(start),
        }
    return None


class BeforeNow(Interval):
    """Marker: ranges are predicted at or before now (Moodle's before_now)."""

    kinds: ClassVar[frozenset[str]] = frozenset({"before_now"})


class AfterNow(Interval):
    """Marker: ranges look ahead from now (Moodle's after_now)."""

    kinds: ClassVar[frozenset[str]] = frozenset({"after_now"})


class EqualParts(BeforeNow):
    """The duration cut into `parts` equal ranges, each predicted at its end.

    Range i runs from `start + int(d*i)` to `start + int(d*(i+1))` with
    `d = (end - start) / parts`; the last one ends exactly at the end. So that a
    timestamp (an activity's due date) falls in one range only, each range after the
    first starts one second after the previous one ends. Moodle quirk kept: that
    rule is skipped when `d < parts` (a course shorter than parts² seconds), so such
    tiny courses get touching ranges and zero-length ones, as in Moodle.
    """

    parts: ClassVar[int] = 0
    adds_range_columns: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"before_now", "equal_parts"})

    def not_applicable_reason(
        self, analysable: Analysable, *, now: int | None = None
    ) -> str | None:
        return missing_dates(self, analysable)

    def ranges(
        self, analysable: Analysable, *, now: int, first_analysis: int | None = None
    ) -> list[Range]:
        require_applicable(self, analysable, now)  # so both dates are set
        start, end = cast(int, analysable.start), cast(int, analysable.end)
        step = (end - start) / self.parts
        touching_allowed = step < self.parts
        triples: list[tuple[int, int, int]] = []
        for i in range(self.parts):
            range_start = start + int(step * i)
            range_end = start + int(step * (i + 1))
            if not touching_allowed and i > 0 and range_start == triples[-1][1]:
                range_start += 1
            if i == self.parts - 1:
                range_end = end  # int() floors above; the last part ends at the end
            triples.append((range_start, range_end, range_end))
        return numbered(triples)


class AccumulativeParts(BeforeNow):
    """Like EqualParts, but every range starts at the start: all activity so far."""

    parts: ClassVar[int] = 0
    adds_range_columns: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"before_now", "accumulative_parts"})

    def not_applicable_reason(
        self, analysable: Analysable, *, now: int | None = None
    ) -> str | None:
        return missing_dates(self, analysable)

    def ranges(
        self, analysable: Analysable, *, now: int, first_analysis: int | None = None
    ) -> list[Range]:
        require_applicable(self, analysable, now)  # so both dates are set
        start, end = cast(int, analysable.start), cast(int, analysable.end)
        step = (end - start) / self.parts
        triples: list[tuple[int, int, int]] = []
        for i in range(self.parts):
            range_end = end if i == self.parts - 1 else start + int(step * (i + 1))
            triples.append((start, range_end, range_end))
        return numbered(triples)


class Periodic(Interval):
    """A range every `period`, from an anchor until the ranges are not ready yet.

    Moodle's loop: take the range at step 0 (or step 1 when step 0 cannot exist),
    then keep appending while the range is ready to predict or to train and the
    analysable end has not been passed by the next step's time; when the loop
    stopped because a range is not ready yet (not because of the end), the last
    range may be adjusted (past intervals move it to end now). Range indexes are not
    comparable across nights, so there are no range columns (distinct ranges [0]).
    Training uses only ranges ready to train.
    """

    period: ClassVar[Period] = Period()
    kinds: ClassVar[frozenset[str]] = frozenset({"periodic"})

    def not_applicable_reason(
        self, analysable: Analysable, *, now: int | None = None
    ) -> str | None:
        return missing_start(self, analysable)

    def anchor(
        self, analysable: Analysable, *, now: int, first_analysis: int | None
    ) -> int:
        raise NotImplementedError

    def range_at(
        self, step: int, *, anchor: int, analysable: Analysable
    ) -> tuple[int, int, int] | None:
        """(start, end, time) of the range at `step` periods from the anchor."""
        raise NotImplementedError

    def adjust_last(
        self, triples: list[tuple[int, int, int]], *, now: int
    ) -> list[tuple[int, int, int]]:
        return triples

    def ranges(
        self, analysable: Analysable, *, now: int, first_analysis: int | None = None
    ) -> list[Range]:
        require_applicable(self, analysable, now)
        anchor = self.anchor(analysable, now=now, first_analysis=first_analysis)
        end = analysable.end or None
        step = 0
        candidate = self.range_at(step, anchor=anchor, analysable=analysable)
        if candidate is None:
            step = 1
            candidate = self.range_at(step, anchor=anchor, analysable=analysable)
        triples: list[tuple[int, int, int]] = []
        end_reached = False
        # range_at gives None only before the start: step 1 always exists.
        while not end_reached and self._ready(
            cast("tuple[int, int, int]", candidate), now
        ):
            triples.append(cast("tuple[int, int, int]", candidate))
            step += 1
            candidate = self.range_at(step, anchor=anchor, analysable=analysable)
            end_reached = end is not None and self.period.after(anchor, step) > end
        if triples and not end_reached:
            triples = self.adjust_last(triples, now=now)
        return numbered(triples)

    def _ready(self, triple: tuple[int, int, int], now: int) -> bool:
        start, end, time_ = triple
        range_ = Range(index=0, start=start, end=end, time=time_)
        return self.ready_to_predict(range_, now=now) or self.ready_to_train(
            range_, now=now
        )


class PastPeriodic(Periodic, BeforeNow):
    """Every period from the start, each range the period before its prediction time.

    Step k is `[start + (k-1)·period, start + k·period]`, predicted at its end;
    step 0 would begin before the start, so the first range is step 1. While the
    analysable runs, the last range is moved to end now, so each night predicts from
    the period just past (Moodle's MDL-65348 fix). Moodle quirks kept: that move
    leaves the time between the previous range's end and the moved range's start in
    no range; a course shorter than one period still gets one full period, reaching
    past its end; once the end is passed the last range is the last whole period
    before it, and the tail after it is in no range.
    """

    kinds: ClassVar[frozenset[str]] = frozenset(
        {"before_now", "periodic", "past_periodic"}
    )

    def anchor(
        self, analysable: Analysable, *, now: int, first_analysis: int | None
    ) -> int:
        return cast(int, analysable.start)  # set: checked by not_applicable_reason

    def range_at(
        self, step: int, *, anchor: int, analysable: Analysable
    ) -> tuple[int, int, int] | None:
        end = self.period.after(anchor, step)
        start = self.period.after(anchor, step - 1)
        if start < cast(int, analysable.start):
            return None
        return (start, end, end)

    def adjust_last(
        self, triples: list[tuple[int, int, int]], *, now: int
    ) -> list[tuple[int, int, int]]:
        # Moodle returns a bare range instead of the list when the last range is
        # still in the future; that cannot happen (ranges are appended only once
        # ready), and here the list is kept as it is.
        start, end, time_ = triples[-1]
        if time_ > now:
            return triples
        shift = now - time_
        return [*triples[:-1], (start + shift, end + shift, time_ + shift)]


class UpcomingPeriodic(Periodic, AfterNow):
    """Every period from the first analysis (or now), each range the period after.

    Step k is `[anchor + k·period, anchor + (k+1)·period]`, predicted at its start.
    The anchor is when the model first analysed this analysable, so the ranges stay
    put from one night to the next; without it (never analysed) it is now. Not for
    evaluation (the future is not in the log), no cached calculations. Moodle quirks
    kept: a course not started yet, or one already finished, still gets the range
    starting at the anchor (the loop checks the end only after the first range);
    targets decide whether such courses are worth a prediction.
    """

    cache_indicator_calculations: ClassVar[bool] = False
    valid_for_evaluation: ClassVar[bool] = False
    kinds: ClassVar[frozenset[str]] = frozenset(
        {"after_now", "periodic", "upcoming_periodic"}
    )

    def anchor(
        self, analysable: Analysable, *, now: int, first_analysis: int | None
    ) -> int:
        return first_analysis if first_analysis else now

    def range_at(
        self, step: int, *, anchor: int, analysable: Analysable
    ) -> tuple[int, int, int] | None:
        start = self.period.after(anchor, step)
        return (start, self.period.after(anchor, step + 1), start)


class AfterStart(BeforeNow):
    """One range from the start to now, once `wait` has passed since the start.

    Until then the interval does not apply (Moodle's is_valid_analysable). The range
    and its prediction time follow now, so calculations are not cached. Moodle quirk
    kept: the range ends now even after the analysable ended; targets that want
    running courses only say so.
    """

    cache_indicator_calculations: ClassVar[bool] = False
    kinds: ClassVar[frozenset[str]] = frozenset({"before_now", "after_start"})
    #: The wait in words, for messages ("one week").
    wait_words: ClassVar[Any] = ""

    def prediction_start(self, analysable: Analysable, *, now: int) -> int:
        """Now minus the wait: the latest start that makes the analysable ready."""
        raise NotImplementedError

    def not_applicable_reason(
        self, analysable: Analysable, *, now: int | None = None
    ) -> str | None:
        reason = missing_start(self, analysable)
        if reason is not None:
            return reason
        now = current_time(now)
        start = cast(int, analysable.start)  # set: missing_start said so
        if start > self.prediction_start(analysable, now=now):
            return _(
                '"%(interval)s" predicts once %(wait)s has passed since the start, '
                "and %(what)s started on %(start)s: wait, or pick another interval."
            ) % {
                "interval": self.label,
                "wait": self.wait_words,
                "what": describe(analysable),
                "start": iso(start),
            }
        return None

    def ranges(
        self, analysable: Analysable, *, now: int, first_analysis: int | None = None
    ) -> list[Range]:
        require_applicable(self, analysable, now)  # so the start is set
        return numbered([(cast(int, analysable.start), now, now)])


class PeriodAfterStart(AfterStart):
    """AfterStart with a fixed wait (a week, a month)."""

    wait: ClassVar[Period] = Period()

    def prediction_start(self, analysable: Analysable, *, now: int) -> int:
        return self.wait.before(now)
