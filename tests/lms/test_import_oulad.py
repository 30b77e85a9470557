"""import_oulad: the real AAA-2013J presentation once per module, small variants per test.

Every expected figure is computed here from the CSV files in shared/data/oulad.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count

from access.models import RoleAssignment
from access.selectors import context_of
from lms.importers.oulad import CATEGORY_NAME, oulad_csv_open
from lms.models import (
    Activity,
    ActivityGrade,
    Category,
    Course,
    CourseCompletion,
    CourseGrade,
    Enrolment,
)
from logstore.models import StandardLogEntry

OULAD = Path(settings.BASE_DIR).parent / "shared/data/oulad"
START = dt.datetime(2013, 10, 1, tzinfo=dt.UTC)  # the documented default for 2013J
DAY = 86400
TABLES = [
    "courses",
    "vle",
    "studentInfo",
    "studentRegistration",
    "assessments",
    "studentAssessment",
    "studentVle",
]


def table(directory: Path, name: str) -> list[dict[str, str]]:
    path = directory / f"{name}.csv"
    if not path.exists():
        path = directory / f"{name}.csv.gz"
    with oulad_csv_open(path) as handle:
        return list(csv.DictReader(handle))


def wipe() -> None:
    courses = list(
        Course.objects.filter(category__name=CATEGORY_NAME).values_list("pk", flat=True)
    )
    StandardLogEntry.objects.filter(courseid__in=courses).delete()
    Course.objects.filter(pk__in=courses).delete()
    get_user_model().objects.filter(username__startswith="oulad").delete()
    Category.objects.filter(name=CATEGORY_NAME).delete()


@pytest.fixture(scope="module")
def real_import(django_db_setup, django_db_blocker):
    """The real presentation imported once (about half a minute on a busy machine)."""
    with django_db_blocker.unblock():
        wipe()
        out = io.StringIO()
        call_command("import_oulad", str(OULAD), stdout=out)
        yield Course.objects.get(shortname="AAA-2013J"), out.getvalue()
        wipe()


@pytest.fixture(scope="module")
def files():
    return {name: table(OULAD, name) for name in TABLES}


def users_by_student() -> dict[str, int]:
    return {
        username.removeprefix("oulad"): pk
        for username, pk in get_user_model()
        .objects.filter(username__startswith="oulad")
        .values_list("username", "pk")
    }


@pytest.mark.django_db
def test_students_and_enrolments_match_the_files(real_import, files):
    course, _output = real_import
    users = users_by_student()
    assert set(users) == {r["id_student"] for r in files["studentInfo"]}
    enrolments = {e.user_id: e for e in Enrolment.objects.filter(course=course)}
    assert len(enrolments) == len(files["studentInfo"])
    for row in files["studentRegistration"]:
        enrolment = enrolments[users[row["id_student"]]]
        expected_start = START + dt.timedelta(days=int(row["date_registration"]))
        assert enrolment.timestart == expected_start
        assert enrolment.status == Enrolment.Status.ACTIVE
        if row["date_unregistration"]:
            assert enrolment.timeend == max(
                START + dt.timedelta(days=int(row["date_unregistration"])),
                expected_start,
            )
        else:
            assert enrolment.timeend is None
    withdrawn = sum(1 for r in files["studentRegistration"] if r["date_unregistration"])
    assert (
        Enrolment.objects.filter(course=course, timeend__isnull=False).count()
        == withdrawn
    )
    assert RoleAssignment.objects.filter(
        context=context_of(course), role__shortname="student"
    ).count() == len(files["studentInfo"])


@pytest.mark.django_db
def test_course_dates_from_courses_csv(real_import, files):
    course, _output = real_import
    length = int(files["courses"][0]["module_presentation_length"])
    assert course.startdate == START
    assert course.enddate == START + dt.timedelta(days=length)


@pytest.mark.django_db
def test_every_click_is_one_event_on_its_day(real_import, files):
    course, _output = real_import
    users = users_by_student()
    sites = dict(
        Activity.objects.filter(course=course, idnumber__startswith="vle:").values_list(
            "idnumber", "pk"
        )
    )
    homepages = {r["id_site"] for r in files["vle"] if r["activity_type"] == "homepage"}
    expected_days: Counter = Counter()
    expected_sites: Counter = Counter()
    for row in files["studentVle"]:
        clicks = int(row["sum_click"])
        expected_days[(users[row["id_student"]], int(row["date"]))] += clicks
        # The homepage is the course page: its clicks are course views.
        where = (
            (50, course.pk)
            if row["id_site"] in homepages
            else (70, sites[f"vle:{row['id_site']}"])
        )
        expected_sites[where] += clicks
    logs = StandardLogEntry.objects.filter(courseid=course.pk)
    assert logs.count() == sum(int(r["sum_click"]) for r in files["studentVle"])
    start = int(START.timestamp())
    got_days = Counter(
        (user, (t - start) // DAY)
        for user, t in logs.values_list("userid", "timecreated").iterator(
            chunk_size=20000
        )
    )
    assert got_days == expected_days
    got_sites = Counter(
        {
            (level, instance): n
            for level, instance, n in logs.values_list(
                "contextlevel", "contextinstanceid"
            ).annotate(n=Count("id"))
        }
    )
    assert got_sites == expected_sites
    assert (
        logs.filter(contextlevel=50)
        .exclude(eventname=r"\core\event\course_viewed")
        .exists()
        is False
    )
    forum = Activity.objects.filter(course=course, name__startswith="forumng ").first()
    assert forum.modname == "forum"
    viewed = logs.filter(contextinstanceid=forum.pk).first()
    assert (viewed.eventname, viewed.crud, viewed.edulevel, viewed.contextlevel) == (
        r"\mod_forum\event\course_module_viewed",
        "r",
        2,
        70,
    )


@pytest.mark.django_db
def test_activities_assessments_and_grades(real_import, files):
    course, _output = real_import
    pages = [r for r in files["vle"] if r["activity_type"] != "homepage"]
    assert Activity.objects.filter(
        course=course, idnumber__startswith="vle:"
    ).count() == len(pages)
    types = Counter(r["activity_type"] for r in files["vle"])
    assert (
        Activity.objects.filter(
            course=course, name__startswith="oucontent ", modname="page"
        ).count()
        == types["oucontent"]
    )
    length = int(files["courses"][0]["module_presentation_length"])
    for row in files["assessments"]:
        activity = Activity.objects.get(
            course=course, idnumber=f"assessment:{row['id_assessment']}"
        )
        assert (
            activity.modname
            == {"TMA": "assign", "CMA": "quiz", "Exam": "quiz"}[row["assessment_type"]]
        )
        days = int(row["date"]) if row["date"] else length
        assert activity.duedate == START + dt.timedelta(days=days)
    users = users_by_student()
    assert ActivityGrade.objects.filter(activity__course=course).count() == len(
        files["studentAssessment"]
    )
    for row in files["studentAssessment"][:50]:
        grade = ActivityGrade.objects.get(
            user_id=users[row["id_student"]],
            activity__idnumber=f"assessment:{row['id_assessment']}",
        )
        assert (grade.grade is None) == (row["score"] == "")
        if row["score"]:
            assert float(grade.grade) == float(row["score"])
        assert grade.timesubmitted == START + dt.timedelta(
            days=int(row["date_submitted"])
        )


@pytest.mark.django_db
def test_each_site_is_in_the_week_students_used_it(real_import, files):
    """Most sites have no week_from: each goes to the week of its click-weighted
    median day (section 1 = days 0-6, earlier days too), a site nobody clicked to
    section 1, and none stays in section 0 where its timing would be lost."""
    course, _output = real_import
    clicks: dict[str, Counter] = {}
    for row in files["studentVle"]:
        clicks.setdefault(row["id_site"], Counter())[int(row["date"])] += int(
            row["sum_click"]
        )
    expected = {}
    for row in files["vle"]:
        if row["activity_type"] == "homepage":
            continue
        site = row["id_site"]
        if row["week_from"]:
            expected[site] = int(row["week_from"]) + 1
        elif site in clicks:
            days = sorted(clicks[site].items())
            total, seen = sum(n for _day, n in days), 0
            for day, n in days:
                seen += n
                if seen >= total / 2:
                    expected[site] = max(day // 7 + 1, 1)
                    break
        else:
            expected[site] = 1
    got = {
        idnumber.removeprefix("vle:"): section
        for idnumber, section in Activity.objects.filter(
            course=course, idnumber__startswith="vle:"
        ).values_list("idnumber", "section")
    }
    assert got == expected
    without_week = sum(1 for r in files["vle"] if not r["week_from"])
    assert without_week > 150  # the release leaves most sites without a week
    assert 0 not in got.values()
    assert len(set(got.values())) > 20  # spread over the course's weeks


@pytest.mark.django_db
def test_final_results_give_completions_and_grades(real_import, files):
    course, _output = real_import
    users = users_by_student()
    results = {users[r["id_student"]]: r["final_result"] for r in files["studentInfo"]}
    completed = set(
        CourseCompletion.objects.filter(
            course=course, timecompleted__isnull=False
        ).values_list("user_id", flat=True)
    )
    assert completed == {u for u, r in results.items() if r in ("Pass", "Distinction")}
    grades = dict(
        CourseGrade.objects.filter(course=course).values_list("user_id", "finalgrade")
    )
    for user, result in results.items():
        if result == "Withdrawn":
            assert user not in grades
        elif result == "Fail":
            assert grades[user] < course.grade_to_pass
        else:
            assert grades[user] >= course.grade_to_pass
    assert all(grades[u] >= 70 for u, r in results.items() if r == "Distinction")


@pytest.mark.django_db
def test_if_empty_skips_an_existing_course_and_plain_rerun_refuses(real_import):
    course, _output = real_import
    before = StandardLogEntry.objects.filter(courseid=course.pk).count()
    out = io.StringIO()
    call_command("import_oulad", str(OULAD), "--if-empty", stdout=out)
    assert "skipped" in out.getvalue()
    with pytest.raises(CommandError, match="AAA-2013J exists already"):
        call_command("import_oulad", str(OULAD), stdout=io.StringIO())
    assert StandardLogEntry.objects.filter(courseid=course.pk).count() == before
    assert Course.objects.filter(category__name=CATEGORY_NAME).count() == 1
