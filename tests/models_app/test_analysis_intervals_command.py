"""manage.py analysis_intervals: the list, the ranges as a table and as JSON, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from models_app.plugins import registry

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400
WEEK = 7 * DAY
START = 1445645732  # Moodle's test course, 2015-10-24 08:15:32 in Perth
END = 1477282351  # 2016-10-24 12:12:31 in Perth
AFTER_END = END + 30 * DAY


def run(*args: str) -> str:
    out = StringIO()
    call_command("analysis_intervals", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> list[dict]:
    return json.loads(run(*args, "--json"))


def quarters_rule(start: int, end: int) -> list[tuple[int, int]]:
    """Moodle's equal parts for 4 parts: floor boundaries, +1 s, last ends at end."""
    duration = (end - start) / 4
    bounds = []
    for i in range(4):
        s = start + int(duration * i) + (1 if i else 0)
        e = end if i == 3 else start + int(duration * (i + 1))
        bounds.append((s, e))
    return bounds


def test_without_interval_lists_keys_labels_and_evaluation():
    lines = run().splitlines()
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == list(registry.INTERVALS)
    for key, line in rows.items():
        cls = registry.interval_class(key)
        assert str(cls.label) in line
        assert line.split()[1] == ("yes" if cls.valid_for_evaluation else "no")
    assert rows["upcoming_week"].split()[1] == "no"
    assert rows["quarters"].split()[1] == "yes"


def test_list_as_json():
    rows = run_json()
    assert [row["key"] for row in rows] == list(registry.INTERVALS)
    by_key = {row["key"]: row for row in rows}
    assert by_key["deciles_accum"]["label"] == "All previous tenths"
    assert by_key["upcoming_fortnight"]["valid_for_evaluation"] is False


def test_quarters_as_json_for_moodle_test_course():
    rows = run_json(
        "--interval", "quarters", "--start", str(START), "--end", str(END),
        "--now", str(AFTER_END),
    )  # fmt: skip
    assert [set(row) for row in rows] == [{"index", "start", "end", "time"}] * 4
    assert [row["index"] for row in rows] == [0, 1, 2, 3]
    assert [(row["start"], row["end"]) for row in rows] == quarters_rule(START, END)
    assert all(row["time"] == row["end"] for row in rows)
    assert rows[1]["start"] == rows[0]["end"] + 1


def test_iso_times_with_offsets_dates_and_z_are_read_as_utc_unless_offset():
    by_unix = run_json(
        "--interval", "deciles", "--start", str(START), "--end", str(END),
        "--now", str(AFTER_END),
    )  # fmt: skip
    by_iso = run_json(
        "--interval", "deciles", "--start", "2015-10-24T08:15:32+08:00",
        "--end", "2016-10-24T04:12:31Z", "--now", "2016-11-23T04:12:31",
    )  # fmt: skip
    assert by_iso == by_unix
    midnight = run_json(
        "--interval", "single_range", "--start", "2015-10-24", "--end", "2015-10-25",
        "--now", "2015-10-24",
    )  # fmt: skip
    first_day = int(datetime(2015, 10, 24, tzinfo=UTC).timestamp())
    assert midnight == [
        {"index": 0, "start": first_day, "end": first_day + DAY, "time": 0}
    ]


def test_past_week_after_the_end_gives_52_weeks():
    rows = run_json(
        "--interval", "past_week", "--start", str(START), "--end", str(END),
        "--now", str(AFTER_END),
    )  # fmt: skip
    assert len(rows) == (END - START) // WEEK == 52
    assert rows[0] == {
        "index": 0,
        "start": START,
        "end": START + WEEK,
        "time": START + WEEK,
    }
    assert rows[-1]["end"] == START + 52 * WEEK


def test_past_week_without_end_date_ends_the_last_range_now():
    now = START + 30 * DAY
    rows = run_json("--interval", "past_week", "--start", str(START), "--now", str(now))
    assert len(rows) == 4
    assert rows[-1] == {"index": 3, "start": now - WEEK, "end": now, "time": now}


def test_upcoming_week_counts_from_first_analysis_or_current_time():
    first = START + 20 * DAY
    rows = run_json(
        "--interval", "upcoming_week", "--start", str(START),
        "--now", str(first + 8 * DAY), "--first-analysis", str(first),
    )  # fmt: skip
    assert [(row["start"], row["time"]) for row in rows] == [
        (first, first),
        (first + WEEK, first + WEEK),
    ]
    before = int(time.time())
    (only,) = run_json("--interval", "upcoming_week", "--start", str(START))
    after = int(time.time())
    assert before <= only["start"] == only["time"] <= after
    assert only["end"] == only["start"] + WEEK


def test_table_shows_ranges_readiness_and_predicted_range():
    now = START + 200 * DAY  # after the second quarter, before the third
    text = run(
        "--interval", "quarters", "--start", str(START), "--end", str(END),
        "--now", str(now),
    )  # fmt: skip
    lines = text.splitlines()
    assert lines[0].startswith("Last quarter (quarters): a course from ")
    assert "2015-10-24T00:15:32Z" in lines[0] and "2016-10-24T04:12:31Z" in lines[0]
    bounds = quarters_rule(START, END)
    rows = [line.split() for line in lines[2:6]]
    assert [int(row[0]) for row in rows] == [0, 1, 2, 3]
    assert [(int(row[1]), int(row[3])) for row in rows] == bounds
    ready = [end <= now for _, end in bounds]
    assert ready == [True, True, False, False]
    assert [row[-2:] for row in rows] == [
        ["yes", "yes"] if flag else ["no", "no"] for flag in ready
    ]
    assert lines[-1] == "Predicted now: range 1."


def test_table_when_there_are_no_ranges_yet():
    now = START + 3 * DAY
    text = run("--interval", "past_week", "--start", str(START), "--now", str(now))
    assert "no end date" in text.splitlines()[0]
    assert "No ranges yet" in text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--interval", "weekly", "--start", "1"], "Unknown analysis interval 'weekly'"),
        (["--interval", "quarters", "--end", "2"], "--start is required"),
        (
            ["--interval", "quarters", "--start", "2016-01-01", "--end", "2015-01-01"],
            "is before --start",
        ),
        (["--interval", "quarters", "--start", "yesterday"], "Cannot read --start"),
        (
            ["--interval", "quarters", "--start", "1", "--end", "2016-13-01"],
            "Cannot read --end",
        ),
        (
            ["--interval", "single_range", "--start", "1", "--now", "soon"],
            "Cannot read --now",
        ),
        (["--interval", "deciles", "--start", str(START)], "no end date"),
        (
            [
                "--interval", "one_week_after_start", "--start", str(START),
                "--now", str(START + DAY),
            ],
            "one week",
        ),
    ],
)  # fmt: skip
def test_errors_say_what_is_wrong_and_what_to_do(args, expected):
    with pytest.raises(CommandError) as caught:
        run(*args)
    message = str(caught.value)
    assert expected in message
    if "Unknown" in expected:
        assert "without --interval" in message and "quarters" in message
    if "Cannot read" in expected:
        assert "Unix timestamp" in message and "ISO date" in message


def _manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", "analysis_intervals", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_py_prints_parseable_json_and_fails_on_bad_input():
    result = _manage(
        "--interval", "deciles", "--start", str(START), "--end", str(END),
        "--now", str(AFTER_END), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    duration = (END - START) / 10
    assert len(rows) == 10
    assert rows[0] == {
        "index": 0,
        "start": START,
        "end": START + int(duration),
        "time": START + int(duration),
    }
    assert rows[5]["start"] == START + int(duration * 5) + 1
    assert rows[9]["end"] == END

    failed = _manage("--interval", "nope", "--start", "1")
    assert failed.returncode != 0
    assert "Unknown analysis interval 'nope'" in failed.stderr
