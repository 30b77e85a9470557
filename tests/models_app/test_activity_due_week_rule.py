"""format_weeks::get_section_dates() as each Moodle version counts a week, for the
community-of-inquiry due rule (activity_due.week_rule, zoned_week_ends). The
versions are those of Moodle trees whose get_section_dates() was read: shifted
is `start + 7200 + n * 604800`, utc is DateTime("@start") + P7D per week, zoned
the same DateTime set to the user's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from models_app.plugins.indicators.activity_due import week_rule, zoned_week_ends

MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    ("version", "rule"),
    [
        ("2020061524.01", "shifted"),  # 3.9.24+
        ("2021051704.14", "shifted"),  # 3.11.4+
        ("2022041901.04", "shifted"),  # 4.0.1+
        ("2022112801.07", "shifted"),  # 4.1.1+
        ("2022112805.06", "shifted"),  # 4.1.5+ (Build: 20230908)
        ("2022112805.12", "utc"),  # 4.1.5+ (Build: 20230929)
        ("2022112806.04", "utc"),  # 4.1.6+ (Build: 20231102)
        ("2022112806.06", "zoned"),  # 4.1.6+ (Build: 20231116)
        ("2022112809.07", "zoned"),  # 4.1.9+
        ("2023042406.00", "zoned"),  # 4.2.6
        ("2023100900.00", "utc"),  # 4.3
        ("2023100903.10", "zoned"),  # 4.3.3+
        ("2023112400.00", "zoned"),  # 4.4dev, the shared test site
        ("2024042202.03", "zoned"),  # 4.4.2+
        ("2024100700.00", "zoned"),  # 4.5
        ("", "utc"),
        ("not a version", "utc"),
    ],
)
def test_week_rule_by_version(version, rule):
    assert week_rule(version) == rule


def test_a_zoned_week_is_seven_calendar_days():
    start = int(datetime(2026, 2, 2, tzinfo=MADRID).timestamp())
    ends = zoned_week_ends(np.array([start] * 3), np.array([1, 7, 8]), "Europe/Madrid")
    # Summer time from 29 March: week 8 ends at midnight, an hour short.
    assert (ends - start).tolist() == [604800, 7 * 604800, 8 * 604800 - 3600]
    assert datetime.fromtimestamp(int(ends[2]), MADRID) == datetime(
        2026, 3, 30, tzinfo=MADRID
    )


def test_a_zoned_week_ending_in_the_skipped_hour_ends_after_it():
    """PHP moves 02:30 on the day clocks skip 02:00-03:00 to 03:30, and the next
    weeks go on from 03:30."""
    start = int(datetime(2026, 3, 22, 2, 30, tzinfo=MADRID).timestamp())
    ends = zoned_week_ends(np.array([start, start]), np.array([1, 2]), "Europe/Madrid")
    local = [datetime.fromtimestamp(int(e), MADRID).isoformat() for e in ends]
    assert local == ["2026-03-29T03:30:00+02:00", "2026-04-05T03:30:00+02:00"]
