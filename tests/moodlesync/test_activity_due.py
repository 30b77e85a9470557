"""On a synced site, the community-of-inquiry indicators count an activity in the
ranges where Moodle's activity_completed_by() would: its module's own due field,
else its weeks-format week, else its share of the course over its sections.

The expected activities are worked out here from Moodle's rule and the dump's
dates (README: weeks courses of 14 sections 0..13), not from Foresight's output.
Course BIO101 (Moodle id 2) starts S = 1769986800; MATH110 (id 3) starts
S3 = 1770591600 and ends S3 + 7858800.
"""

from __future__ import annotations

import pytest

from moodlesync.models import Kind
from moodlesync.services import moodle_sync
from moodlesync.services.common import idmap_load
from tests.fixtures.analysis_site import analysis_data

pytestmark = pytest.mark.django_db

W = 604800
S = 1769986800  # BIO101's start
S3 = 1770591600  # MATH110's start
NOW = 1796079600  # the dump's "now"


def counted(course_moodle_id: int, ranges: list[tuple[int, int]]) -> list[set[int]]:
    """Moodle course-module ids counted in each range, as the indicators count."""
    from lms.models import Course
    from models_app.plugins.indicators.community_of_inquiry import counted_pairs

    course = Course.objects.get(pk=idmap_load(Kind.COURSE)[course_moodle_id])
    data = analysis_data([course], ranges, now=NOW)
    pairs = counted_pairs(data)
    moodle = {local: mid for mid, local in idmap_load(Kind.ACTIVITY).items()}
    ids = data.activities()["id"]
    out: list[set[int]] = [set() for _r in ranges]
    for pos, act in zip(pairs["pos"].tolist(), pairs["act"].tolist(), strict=True):
        out[int(data.range_set.index[pos])].add(moodle[int(ids[act])])
    return out


def test_activities_are_due_by_moodles_rule_on_the_synced_site(moodle_rw, use_moodle):
    db = use_moodle(moodle_rw)
    # BIO101's first assignment (cm 30, section 4) loses its due date but keeps a
    # cut-off date in week 5: Moodle's analytics reads only the due date, so the
    # weeks rule places it.
    db.execute(
        "UPDATE mdl_assign SET duedate = 0, cutoffdate = 1773010800 WHERE id = 1"
    )
    assert S + 5 * W == 1773010800
    # BIO101's page 9 (section 6) is available until S + 3W; section 5 (id 6: the
    # lesson, resource 19, page 8) opens only from S + 7W.
    db.execute(
        'UPDATE mdl_course_modules SET availability = \'{"op":"&","c":'
        '[{"type":"date","d":"<","t":1771801200}],"showc":[true]}\' '
        "WHERE id = 9"
    )
    db.execute(
        'UPDATE mdl_course_sections SET availability = \'{"op":"&","c":'
        '[{"type":"date","d":">=","t":1774220400}],"showc":[true]}\' '
        "WHERE id = 6 AND course = 2 AND section = 5"
    )
    assert (S + 3 * W, S + 7 * W) == (1771801200, 1774220400)
    # MATH110 becomes a topics course with an empty 15th section (number 14).
    db.execute("UPDATE mdl_course SET format = 'topics' WHERE id = 3")
    db.execute(
        "INSERT INTO mdl_course_sections (course, section, summaryformat, sequence, "
        "visible, timemodified) VALUES (3, 14, 1, '', 1, 0)"
    )
    moodle_sync()

    # Weeks format: due at the end of the section's week less 2 hours, S + W * n -
    # 7200 (section 0 as week 1), or the module's own field (quiz 27 closes at
    # S + 4W - 60). Page 33 (section 0) is hidden. Page 9
    # counts where its "until" date falls (second range) and nowhere else; section
    # 5's "from" date is after the third range: none of its activities counts.
    bio = counted(
        2,
        [
            (S - 86400, S + 2 * W),
            (S + 2 * W, S + 4 * W),
            (S + 4 * W, S + 6 * W),
            (S, S + W - 3600),
        ],
    )
    assert bio == [
        {1, 3, 17, 4, 23, 5},  # forums of section 0, sections 1 and 2
        {18, 6, 27, 7, 30, 9},  # section 3, quiz 27, section 4, assign 30, page 9
        {24},  # section 6 but page 9
        {1, 3, 17, 4},  # week 1 ends at S + W: sections 0 and 1 are due at S + W - 7200
    ]

    # Topics: 14 sections but 0, round(7858800 / 14) = 561343 s each; section n is
    # due at S3 + 561343 n. Section 0 never counts. Quiz 58 (section 3) and
    # assignment 61 (section 4) close at S3 + 2419140, in the second range.
    step = 561343
    math = counted(3, [(S3, S3 + 2 * step), (S3 + 2 * step, S3 + 4 * W)])
    assert math == [
        {48, 35, 54, 36},  # sections 1 and 2
        {58, 37, 49, 38, 61},  # sections 3 and 4 (due at 1684029 and 2245372)
    ]


def test_without_the_synced_dates_provider_the_rule_reads_lms_alone(
    moodle_pg, use_moodle, monkeypatch
):
    """models_app reads the synced layout through the hook moodlesync registers;
    without it (moodlesync not installed) the fallbacks of unsynced courses."""
    from lms.models import Course
    from models_app import synced_facts
    from models_app.plugins.indicators.activity_due import (
        activity_dates,
        course_layouts,
        section_conditions,
    )

    use_moodle(moodle_pg)
    moodle_sync()
    course = Course.objects.get(pk=idmap_load(Kind.COURSE)[2])
    ranges = [(S, S + 4 * W), (S + 4 * W, S + 8 * W)]
    data = analysis_data([course], ranges, now=NOW)
    assert course_layouts(data) == {course.pk: ("weeks", 13)}
    synced = counted(2, ranges)

    monkeypatch.setattr(synced_facts, "_dates", [])
    data = analysis_data([course], ranges, now=NOW)
    assert course_layouts(data) == {}
    assert section_conditions(data) == {}
    due, conditions = activity_dates(data)
    assert conditions == {}
    assert due.tolist() == data.activities()["due"].tolist()
    assert counted(2, ranges) != synced


# Where BIO101's weeks end, by the site's Moodle version (format_weeks::
# get_section_dates(); activity_due.WEEK_RULES). Ranges one second wide or more
# around each candidate due time of sections 0 (forums 1, 3), 1 (page 4, file
# 17) and 9 (page 12, file 21); Madrid goes to summer time on 2026-03-29, in
# week 8, so from week 8 on a week of calendar days ends 3600 s before S + n W.
WEEK_RANGES = [
    (S - 1, S),  # 3.x: section 0 due at S
    (S + W - 7201, S + W - 3600),  # 4.x: sections 0 and 1 due at S + W - 7200
    (S + W - 3600, S + W),  # 3.x: section 1 due at S + W
    (S + 9 * W - 10801, S + 9 * W - 10800),  # zoned: S + 9W - 3600 - 7200
    (S + 9 * W - 7201, S + 9 * W - 7200),  # UTC: S + 9W - 7200
    (S + 9 * W - 1, S + 9 * W),  # 3.x: S + 9W
]
SHIFTED = [{1, 3}, set(), {4, 17}, set(), set(), {12, 21}]
UTC = [set(), {1, 3, 4, 17}, set(), set(), {12, 21}, set()]
ZONED = [set(), {1, 3, 4, 17}, set(), {12, 21}, set(), set()]


@pytest.mark.parametrize(
    ("version", "release", "zone", "expected"),
    [
        ("2020061524.01", "3.9.24+ (Build: 20231013)", "Europe/Madrid", SHIFTED),
        ("2021051704.14", "3.11.4+ (Build: 20220107)", "Europe/Madrid", SHIFTED),
        ("2022112805.06", "4.1.5+ (Build: 20230908)", "Europe/Madrid", SHIFTED),
        ("2022112805.12", "4.1.5+ (Build: 20230929)", "Europe/Madrid", UTC),
        ("2023100900.00", "4.3 (Build: 20231009)", "Europe/Madrid", UTC),
        ("2023112400.00", "4.4dev (Build: 20231124)", "Europe/Madrid", ZONED),
        ("2024100700.00", "4.5 (Build: 20241007)", "Europe/Madrid", ZONED),
        # The server's time zone ("99"), which Foresight cannot see: UTC.
        ("2024100700.00", "4.5 (Build: 20241007)", "99", UTC),
    ],
)
def test_weeks_end_as_the_sites_moodle_version_counts_them(
    moodle_rw, use_moodle, version, release, zone, expected
):
    db = use_moodle(moodle_rw)
    db.execute(
        # The values are the literals of the parametrize list above.
        f"UPDATE mdl_config SET value = '{version}' WHERE name = 'version';"  # noqa: S608
        f"UPDATE mdl_config SET value = '{release}' WHERE name = 'release';"
        f"UPDATE mdl_config SET value = '{zone}' WHERE name = 'timezone'"
    )
    moodle_sync()
    assert counted(2, WEEK_RANGES) == expected
