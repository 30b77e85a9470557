"""Analysis intervals: Moodle's range boundaries, prediction times and readiness.

Expected values are computed here from Moodle's rules (moodle-analytics.md §2) and,
for Moodle's own test course, checked against the values in the reference (§2.4).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils.functional import Promise

from models_app.plugins import registry
from models_app.plugins.base import (
    Analysable,
    Interval,
    IntervalNotApplicable,
    Range,
)
from models_app.plugins.intervals.base import (
    AfterNow,
    AfterStart,
    BeforeNow,
    PastPeriodic,
    UpcomingPeriodic,
)
from models_app.plugins.intervals.periods import add_months

DAY = 86_400
WEEK = 7 * DAY
PERTH = ZoneInfo("Australia/Perth")  # PHPUnit's default timezone in Moodle's tests

# Moodle's test course: mktime(8,15,32,10,24,2015) to mktime(12,12,31,10,24,2016).
START = 1445645732
END = 1477282351
NOV2015 = int(datetime(2015, 11, 24, tzinfo=PERTH).timestamp())
AUG2016 = int(datetime(2016, 8, 29, tzinfo=PERTH).timestamp())
AFTER_END = END + 30 * DAY

MOODLE_LABELS = {
    "quarters": "Last quarter",
    "quarters_accum": "All previous quarters",
    "deciles": "Last tenth",
    "deciles_accum": "All previous tenths",
    "single_range": "From start to end",
    "no_splitting": "No time limits",
    "past_3_days": "Past 3 days",
    "past_week": "Past week",
    "past_month": "Past month",
    "upcoming_3_days": "Upcoming 3 days",
    "upcoming_week": "Upcoming week",
    "upcoming_fortnight": "Upcoming fortnight",
    "one_week_after_start": "One week after start",
    "one_month_after_start": "One month after start",
    "ten_percent_after_start": "10% after start",
}


def interval(key: str) -> Interval:
    return registry.interval_class(key)()


def course(start: int | None = START, end: int | None = END) -> Analysable:
    return Analysable(id=7, kind="course", start=start, end=end, name="Biology 101")


def triples(ranges: list[Range]) -> list[tuple[int, int, int]]:
    return [(r.start, r.end, r.time) for r in ranges]


def equal_parts_rule(start: int, end: int, parts: int) -> list[tuple[int, int, int]]:
    """Moodle's equal_parts, written from the rule in the reference."""
    duration = (end - start) / parts
    expected = []
    for i in range(parts):
        s = start + int(duration * i)
        e = end if i == parts - 1 else start + int(duration * (i + 1))
        if i > 0 and duration >= parts:
            s += 1
        expected.append((s, e, e))
    return expected


def test_moodle_course_dates_are_its_perth_mktime_values():
    assert int(datetime(2015, 10, 24, 8, 15, 32, tzinfo=PERTH).timestamp()) == START
    assert int(datetime(2016, 10, 24, 12, 12, 31, tzinfo=PERTH).timestamp()) == END


# Equal parts and accumulative parts -------------------------------------------


def test_quarters_of_moodle_test_course():
    ranges = interval("quarters").ranges(course(), now=AFTER_END)
    assert triples(ranges) == equal_parts_rule(START, END, 4)
    # The reference's own arithmetic (§2.4, derived values).
    assert triples(ranges) == [
        (1445645732, 1453554886, 1453554886),
        (1453554887, 1461464041, 1461464041),
        (1461464042, 1469373196, 1469373196),
        (1469373197, 1477282351, 1477282351),
    ]
    for previous, current in zip(ranges, ranges[1:], strict=False):
        assert current.start > previous.start
        assert current.start > previous.end
        assert current.end > previous.end
        assert current.start == previous.end + 1  # the one-second rule
    assert ranges[0].start < NOV2015 < ranges[0].end
    assert ranges[3].start < AUG2016 < ranges[3].end


def test_quarters_accum_of_moodle_test_course_all_start_at_the_start():
    ranges = interval("quarters_accum").ranges(course(), now=AFTER_END)
    ends = [e for _, e, _ in equal_parts_rule(START, END, 4)]
    assert triples(ranges) == [(START, e, e) for e in ends]
    assert [r.end for r in ranges] == [1453554886, 1461464041, 1469373196, END]
    assert all(r.start < NOV2015 < r.end for r in ranges)
    assert all(r.end < AUG2016 for r in ranges[:3])
    assert ranges[3].start < AUG2016 < ranges[3].end


def test_deciles_of_moodle_test_course():
    ranges = interval("deciles").ranges(course(), now=AFTER_END)
    assert len(ranges) == 10
    assert triples(ranges) == equal_parts_rule(START, END, 10)
    assert (ranges[0].start, ranges[0].end) == (1445645732, 1448809393)
    assert (ranges[1].start, ranges[1].end) == (1448809394, 1451973055)
    assert (ranges[9].start, ranges[9].end) == (1474118690, 1477282351)


def test_deciles_accum_of_moodle_test_course():
    ranges = interval("deciles_accum").ranges(course(), now=AFTER_END)
    expected_ends = [e for _, e, _ in equal_parts_rule(START, END, 10)]
    assert triples(ranges) == [(START, e, e) for e in expected_ends]
    assert ranges[0].end == 1448809393 and ranges[-1].end == END


@pytest.mark.parametrize("key", ["quarters", "quarters_accum", "deciles"])
def test_equal_parts_readiness_follows_now(key):
    obj = interval(key)
    ranges = obj.ranges(course(), now=START)
    second = ranges[1]
    for now, ready in [
        (START - 1, 0),
        (second.end - 1, 1),
        (second.end, 2),
        (END, len(ranges)),
        (AFTER_END, len(ranges)),
    ]:
        assert sum(obj.ready_to_predict(r, now=now) for r in ranges) == ready
        assert len(obj.training_ranges(ranges, now=now)) == ready
        latest = obj.prediction_range(ranges, now=now)
        assert (latest.index if latest else None) == (ready - 1 if ready else None)


@pytest.mark.parametrize(
    ("seconds", "parts", "offsets"),
    [
        # d = 0.75 < 4 parts: Moodle skips the one-second rule, ranges touch.
        (3, 4, [(0, 0), (0, 1), (1, 2), (2, 3)]),
        # d = 3.75 < 4: touching ranges.
        (15, 4, [(0, 3), (3, 7), (7, 11), (11, 15)]),
        # d = 4 is not < 4: the one-second rule applies.
        (16, 4, [(0, 4), (5, 8), (9, 12), (13, 16)]),
        # 10 s in tenths: d = 1 < 10, one-second ranges that touch.
        (10, 10, [(i, i + 1) for i in range(10)]),
    ],
)
def test_course_shorter_than_its_number_of_parts(seconds, parts, offsets):
    key = "quarters" if parts == 4 else "deciles"
    ranges = interval(key).ranges(course(START, START + seconds), now=AFTER_END)
    assert triples(ranges) == equal_parts_rule(START, START + seconds, parts)
    assert [(r.start - START, r.end - START) for r in ranges] == offsets


def test_three_day_course_in_tenths_keeps_the_one_second_rule():
    end = START + 3 * DAY
    ranges = interval("deciles").ranges(course(START, end), now=end)
    step = 3 * DAY / 10
    assert ranges[1].start == START + int(step) + 1
    assert all(b.start == a.end + 1 for a, b in zip(ranges, ranges[1:], strict=False))
    assert ranges[-1].end == end


def test_equal_parts_never_overlap_on_random_courses():
    rng = random.Random(0)
    for _ in range(200):
        start = rng.randrange(10**9, 2 * 10**9)
        end = start + rng.randrange(100, 10**8)
        for key, parts in [("quarters", 4), ("deciles", 10)]:
            ranges = interval(key).ranges(course(start, end), now=end)
            assert len(ranges) == parts
            assert ranges[0].start == start and ranges[-1].end == end
            assert all(r.start <= r.end and r.time == r.end for r in ranges)
            assert all(
                b.start == a.end + 1 for a, b in zip(ranges, ranges[1:], strict=False)
            )


def test_course_not_started_has_equal_parts_none_ready():
    now = START - 10 * DAY
    for key in ["quarters", "quarters_accum", "deciles", "deciles_accum"]:
        obj = interval(key)
        ranges = obj.ranges(course(), now=now)
        assert ranges, key
        assert obj.prediction_range(ranges, now=now) is None
        assert obj.training_ranges(ranges, now=now) == []


# Single range and no splitting --------------------------------------------------


def test_single_range_predicts_any_time_and_trains_after_the_end():
    obj = interval("single_range")
    ranges = obj.ranges(course(), now=START - DAY)
    assert triples(ranges) == [(START, END, 0)]
    (only,) = ranges
    assert obj.ready_to_predict(only, now=START - DAY) is True  # time = 0
    assert obj.ready_to_train(only, now=END - 1) is False
    assert obj.ready_to_train(only, now=END) is True


def test_no_splitting_covers_all_time_whatever_the_dates():
    obj = interval("no_splitting")
    for analysable in [course(), course(None, None), course(START, None)]:
        ranges = obj.ranges(analysable, now=START)
        assert triples(ranges) == [(0, 9_999_999_999, 0)]
        assert obj.not_applicable_reason(analysable, now=START) is None
    assert obj.ready_to_predict(ranges[0], now=0) is True
    assert obj.ready_to_train(ranges[0], now=0) is True


def test_moodle_ready_predict_cases():
    now = 1_700_000_000
    past = Range(index=0, start=now - 100, end=now - 20, time=now - 20)
    future = Range(index=0, start=now + 20, end=now + 100, time=now + 100)
    quarters, no_splitting = interval("quarters"), interval("no_splitting")
    single = interval("single_range")
    assert quarters.ready_to_predict(past, now=now) is True
    assert no_splitting.ready_to_predict(past, now=now) is True
    assert quarters.ready_to_predict(future, now=now) is False
    assert no_splitting.ready_to_predict(future, now=now) is True
    for range_ in (past, future):
        at_zero = Range(index=0, start=range_.start, end=range_.end, time=0)
        assert single.ready_to_predict(at_zero, now=now) is True


# Past periodic -------------------------------------------------------------------


def test_past_week_of_finished_moodle_course():
    obj = interval("past_week")
    ranges = obj.ranges(course(), now=AFTER_END)
    weeks = (END - START) // WEEK  # whole weeks that fit before the end
    assert weeks == 52 and len(ranges) == 52
    assert triples(ranges) == [
        (START + k * WEEK, START + (k + 1) * WEEK, START + (k + 1) * WEEK)
        for k in range(weeks)
    ]
    assert ranges[0].start == START and ranges[0].time != START
    assert ranges[-1].end < END  # the end was reached: the last range is not moved
    assert len(obj.training_ranges(ranges, now=AFTER_END)) == 52
    assert obj.prediction_range(ranges, now=AFTER_END).index == 51
    assert obj.adds_range_columns is False


def test_past_week_of_moodle_course_while_it_runs_ends_the_last_range_now():
    obj = interval("past_week")
    now = START + 100 * DAY + 3600  # 14 weeks, 2 days and an hour after the start
    ranges = obj.ranges(course(), now=now)
    whole = (now - START) // WEEK
    assert len(ranges) == whole == 14
    assert triples(ranges[:-1]) == [
        (START + k * WEEK, START + (k + 1) * WEEK, START + (k + 1) * WEEK)
        for k in range(whole - 1)
    ]
    assert triples(ranges[-1:]) == [(now - WEEK, now, now)]
    assert obj.prediction_range(ranges, now=now).index == whole - 1


@pytest.mark.parametrize("length", [None, 365 * DAY])
def test_past_week_of_course_started_30_days_ago(length):
    now = 1_700_000_000
    start = now - 30 * DAY
    end = start + length if length else None
    obj = interval("past_week")
    ranges = obj.ranges(course(start, end), now=now)
    assert [r.index for r in ranges] == [0, 1, 2, 3]
    assert len(obj.training_ranges(ranges, now=now)) == 4
    latest = obj.prediction_range(ranges, now=now)
    assert latest.index == 3
    assert (latest.start, latest.end, latest.time) == (now - WEEK, now, now)
    # Moodle quirk kept: moving the last range leaves two days in no range.
    assert ranges[2].end == start + 3 * WEEK
    assert ranges[3].start == start + 3 * WEEK + 2 * DAY


def test_past_week_of_course_started_3_days_ago_has_no_ranges():
    now = 1_700_000_000
    obj = interval("past_week")
    assert obj.ranges(course(now - 3 * DAY, None), now=now) == []
    assert obj.ranges(course(now + 3 * DAY, None), now=now) == []  # not started


def test_past_week_grows_night_after_night_and_keeps_earlier_ranges():
    obj = interval("past_week")
    start = 1_700_000_000
    first_now, next_now = start + 30 * DAY, start + 38 * DAY
    before = obj.ranges(course(start, None), now=first_now)
    after = obj.ranges(course(start, None), now=next_now)
    assert len(after) > len(before)
    assert after[-1].time > before[-1].time
    assert after[: len(before) - 1] == before[:-1]


def test_past_week_of_course_shorter_than_a_week_reaches_past_its_end():
    obj = interval("past_week")
    end = START + 3 * DAY
    ranges = obj.ranges(course(START, end), now=START + 10 * DAY)
    assert triples(ranges) == [(START, START + WEEK, START + WEEK)]


def test_past_3_days_counts_three_day_periods():
    ranges = interval("past_3_days").ranges(course(), now=AFTER_END)
    assert len(ranges) == (END - START) // (3 * DAY)
    assert ranges[1].start == START + 3 * DAY
    assert ranges[-1].end == START + len(ranges) * 3 * DAY


def test_past_month_uses_calendar_months_clamped_to_short_months():
    start = int(datetime(2016, 1, 31, 10, tzinfo=UTC).timestamp())
    now = int(datetime(2016, 5, 15, tzinfo=UTC).timestamp())

    def at(month: int, day: int) -> int:
        return int(datetime(2016, month, day, 10, tzinfo=UTC).timestamp())

    ranges = interval("past_month").ranges(course(start, None), now=now)
    assert triples(ranges[:2]) == [
        (at(1, 31), at(2, 29), at(2, 29)),
        (at(2, 29), at(3, 31), at(3, 31)),
    ]
    shift = now - at(4, 30)
    assert triples(ranges[2:]) == [(at(3, 31) + shift, now, now)]


def test_add_months_clamps_and_keeps_time_of_day():
    def ts(*args):
        return int(datetime(*args, tzinfo=UTC).timestamp())

    assert add_months(ts(2016, 1, 31, 8, 30), 1) == ts(2016, 2, 29, 8, 30)
    assert add_months(ts(2016, 1, 31, 8, 30), 2) == ts(2016, 3, 31, 8, 30)
    assert add_months(ts(2015, 3, 31), -1) == ts(2015, 2, 28)
    assert add_months(ts(2015, 12, 15), 1) == ts(2016, 1, 15)
    assert add_months(ts(2016, 1, 15), -13) == ts(2014, 12, 15)


# Upcoming periodic ---------------------------------------------------------------


def test_upcoming_week_without_first_analysis_starts_now():
    now = 1_700_000_000
    obj = interval("upcoming_week")
    ranges = obj.ranges(course(now - 30 * DAY, None), now=now)
    assert triples(ranges) == [(now, now + WEEK, now)]
    assert obj.training_ranges(ranges, now=now) == []
    assert obj.prediction_range(ranges, now=now).index == 0


def test_upcoming_week_counts_from_the_first_analysis():
    now = 1_700_000_000
    first = now - 10 * DAY
    obj = interval("upcoming_week")
    ranges = obj.ranges(course(now - 30 * DAY, None), now=now, first_analysis=first)
    assert triples(ranges) == [
        (first, first + WEEK, first),
        (first + WEEK, first + 2 * WEEK, first + WEEK),
    ]
    assert [r.index for r in obj.training_ranges(ranges, now=now)] == [0]
    assert obj.prediction_range(ranges, now=now).index == 1


def test_upcoming_ranges_grow_and_keep_earlier_ones():
    obj = interval("upcoming_3_days")
    now = 1_700_000_000
    analysable = course(now - DAY, now + 365 * DAY)
    before = obj.ranges(analysable, now=now, first_analysis=now)
    after = obj.ranges(analysable, now=now + 3 * DAY, first_analysis=now)
    assert len(after) == len(before) + 1
    assert after[:-1] == before
    assert after[-1].time > before[-1].time


@pytest.mark.parametrize(
    ("key", "days"), [("upcoming_3_days", 3), ("upcoming_fortnight", 14)]
)
def test_upcoming_periods(key, days):
    now = 1_700_000_000
    ranges = interval(key).ranges(course(now - DAY, None), now=now)
    assert triples(ranges) == [(now, now + days * DAY, now)]


def test_upcoming_week_quirk_finished_and_unstarted_courses_get_a_range():
    now = 1_700_000_000
    obj = interval("upcoming_week")
    finished = obj.ranges(course(now - 100 * DAY, now - 50 * DAY), now=now)
    unstarted = obj.ranges(course(now + 10 * DAY, now + 100 * DAY), now=now)
    assert triples(finished) == triples(unstarted) == [(now, now + WEEK, now)]


# After start ---------------------------------------------------------------------


def test_one_week_after_start_boundary():
    now = 1_700_000_000
    obj = interval("one_week_after_start")
    ready = course(now - WEEK, None)
    early = course(now - WEEK + 1, None)
    assert obj.not_applicable_reason(ready, now=now) is None
    assert triples(obj.ranges(ready, now=now)) == [(now - WEEK, now, now)]
    reason = obj.not_applicable_reason(early, now=now)
    assert "one week" in reason and "Biology 101" in reason
    with pytest.raises(IntervalNotApplicable, match="one week"):
        obj.ranges(early, now=now)


def test_one_month_after_start_waits_a_calendar_month():
    now = int(datetime(2016, 3, 31, tzinfo=UTC).timestamp())
    leap_day = int(datetime(2016, 2, 29, tzinfo=UTC).timestamp())
    obj = interval("one_month_after_start")
    assert obj.not_applicable_reason(course(leap_day, None), now=now) is None
    assert obj.not_applicable_reason(course(leap_day + 1, None), now=now) is not None


def test_ten_percent_after_start_waits_a_tenth_of_the_duration():
    obj = interval("ten_percent_after_start")
    wait = int((END - START) / 10)
    assert obj.not_applicable_reason(course(), now=START + wait) is None
    assert obj.not_applicable_reason(course(), now=START + wait - 1) is not None
    ranges = obj.ranges(course(), now=AFTER_END)
    assert triples(ranges) == [(START, AFTER_END, AFTER_END)]  # ends now, quirk
    assert "end date" in obj.not_applicable_reason(course(START, None), now=END)


def test_after_start_ranges_are_ready_at_once_and_not_cached():
    now = START + 40 * DAY
    for key in ["one_week_after_start", "one_month_after_start"]:
        obj = interval(key)
        (only,) = obj.ranges(course(), now=now)
        assert obj.ready_to_predict(only, now=now) is True
        assert obj.ready_to_train(only, now=now) is True
        assert obj.cache_indicator_calculations is False


def test_course_not_started_after_start_intervals_do_not_apply():
    now = START - DAY
    for key in ["one_week_after_start", "one_month_after_start"]:
        assert interval(key).not_applicable_reason(course(), now=now) is not None
    assert (
        interval("ten_percent_after_start").not_applicable_reason(course(), now=now)
        is not None
    )


# Missing or wrong dates ----------------------------------------------------------

NEEDS_END = ["quarters", "quarters_accum", "deciles", "deciles_accum"]
NEEDS_END += ["single_range", "ten_percent_after_start"]


@pytest.mark.parametrize("key", NEEDS_END)
def test_intervals_dividing_the_duration_refuse_a_course_without_end_date(key):
    obj = interval(key)
    reason = obj.not_applicable_reason(course(START, None), now=AFTER_END)
    assert "end date" in reason and "Biology 101" in reason
    with pytest.raises(IntervalNotApplicable):
        obj.ranges(course(START, None), now=AFTER_END)
    for end in (START - 1, START):
        backwards = obj.not_applicable_reason(course(START, end), now=AFTER_END)
        assert backwards.startswith("Biology 101 must end after it starts")


@pytest.mark.parametrize("key", sorted(set(MOODLE_LABELS) - {"no_splitting"}))
def test_every_dated_interval_refuses_a_course_without_start_date(key):
    reason = interval(key).not_applicable_reason(course(None, END), now=AFTER_END)
    assert "start date" in reason


@pytest.mark.parametrize(
    "key", ["past_week", "past_month", "upcoming_week", "one_week_after_start"]
)
def test_periodic_and_after_start_intervals_need_no_end_date(key):
    now = START + 60 * DAY
    obj = interval(key)
    assert obj.not_applicable_reason(course(START, None), now=now) is None
    assert obj.ranges(course(START, None), now=now)


# Registry and families -----------------------------------------------------------


@pytest.mark.parametrize("key", list(registry.INTERVALS))
def test_every_registered_interval(key):
    cls = registry.interval_class(key)
    assert issubclass(cls, Interval)
    assert cls.key == key
    assert isinstance(cls.label, Promise)  # translatable, resolved on use
    assert str(cls.label) == MOODLE_LABELS[key]
    obj = cls()
    clone = cls(**obj.get_params())
    assert clone.get_params() == obj.get_params()
    assert type(clone) is cls
    assert cls.kinds
    now = START + 60 * DAY
    ranges = clone.ranges(course(), now=now)
    assert ranges == obj.ranges(course(), now=now)
    assert [r.index for r in ranges] == list(range(len(ranges)))
    for r in ranges:
        assert all(type(v) is int for v in (r.index, r.start, r.end, r.time))


def test_registry_holds_exactly_moodles_intervals():
    assert list(registry.INTERVALS) == list(MOODLE_LABELS)
    assert registry.interval_choices() == [
        (key, registry.interval_class(key).label) for key in MOODLE_LABELS
    ]


def test_families_match_moodles_marker_interfaces():
    def keys_where(test):
        return {k for k in registry.INTERVALS if test(registry.interval_class(k))}

    before_now = keys_where(lambda c: issubclass(c, BeforeNow))
    assert before_now == keys_where(lambda c: "before_now" in c.kinds)
    assert before_now == set(MOODLE_LABELS) - {
        "no_splitting",
        "upcoming_3_days",
        "upcoming_week",
        "upcoming_fortnight",
    }
    after_now = {"upcoming_3_days", "upcoming_week", "upcoming_fortnight"}
    assert keys_where(lambda c: issubclass(c, AfterNow)) == after_now
    assert keys_where(lambda c: issubclass(c, UpcomingPeriodic)) == after_now
    assert keys_where(lambda c: issubclass(c, PastPeriodic)) == {
        "past_3_days",
        "past_week",
        "past_month",
    }
    assert keys_where(lambda c: "past_periodic" in c.kinds) == {
        "past_3_days",
        "past_week",
        "past_month",
    }
    after_start = {"one_week_after_start", "one_month_after_start"}
    after_start.add("ten_percent_after_start")
    assert keys_where(lambda c: issubclass(c, AfterStart)) == after_start
    assert keys_where(lambda c: "after_start" in c.kinds) == after_start
    assert keys_where(lambda c: "single_range" in c.kinds) == {"single_range"}


def test_flags_match_moodle():
    def keys_where(attribute):
        return {
            k
            for k in registry.INTERVALS
            if getattr(registry.interval_class(k), attribute)
        }

    upcoming = {"upcoming_3_days", "upcoming_week", "upcoming_fortnight"}
    after_start = {
        "one_week_after_start",
        "one_month_after_start",
        "ten_percent_after_start",
    }
    assert keys_where("valid_for_evaluation") == set(MOODLE_LABELS) - upcoming
    assert (
        keys_where("cache_indicator_calculations")
        == set(MOODLE_LABELS) - upcoming - after_start
    )
    assert keys_where("adds_range_columns") == {
        "quarters",
        "quarters_accum",
        "deciles",
        "deciles_accum",
    }
