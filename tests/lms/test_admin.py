"""Admin of the learning site and of both log stores: lists, filters, read-only log."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.generator import site_config_build, site_generate
from lms.models import Course
from logstore.admin import LogPaginator
from logstore.models import LegacyLogEntry, StandardLogEntry
from logstore.services import log_rows_write

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)

LMS_MODELS = [
    "category",
    "course",
    "activity",
    "enrolment",
    "coursegrade",
    "activitygrade",
    "activitycompletion",
    "coursecompletion",
]


@pytest.fixture
def site(db):
    config = site_config_build(
        courses=5, students_per_course=6, events=1500, now=NOW, logstore="both"
    )
    return site_generate(config=config)


@pytest.mark.parametrize("model", LMS_MODELS)
def test_every_lms_list_and_its_first_row_open(admin_client, site, model):
    response = admin_client.get(reverse(f"admin:lms_{model}_changelist"))
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert len(rows) > 0
    change = admin_client.get(reverse(f"admin:lms_{model}_change", args=[rows[0].pk]))
    assert change.status_code == 200


def test_course_filters_and_search(admin_client, site):
    url = reverse("admin:lms_course_changelist")
    finished = admin_client.get(url, {"status": "finished"}).context["cl"].result_list
    running = admin_client.get(url, {"status": "running"}).context["cl"].result_list
    now = dt.datetime.now(dt.UTC)
    assert all(c.enddate < now for c in finished)
    assert all(c.startdate <= now <= c.enddate for c in running)
    course = Course.objects.order_by("id").first()
    found = admin_client.get(url, {"q": course.shortname}).context["cl"].result_list
    assert list(found) == [course]
    hidden = admin_client.get(url, {"visible__exact": "0"}).context["cl"].result_list
    assert all(c.visible is False for c in hidden)


def test_the_user_page_edits_the_profile_inline(admin_client, site):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="manager")
    response = admin_client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert b'name="profile-0-description"' in response.content


@pytest.mark.parametrize("model", ["standardlogentry", "legacylogentry"])
def test_the_log_is_read_only(admin_client, site, model):
    changelist = admin_client.get(reverse(f"admin:logstore_{model}_changelist"))
    assert changelist.status_code == 200
    row = changelist.context["cl"].result_list[0]
    assert admin_client.get(reverse(f"admin:logstore_{model}_add")).status_code == 403
    view = admin_client.get(reverse(f"admin:logstore_{model}_change", args=[row.pk]))
    assert view.status_code == 200
    assert b'type="submit" value="Save"' not in view.content
    delete = admin_client.post(reverse(f"admin:logstore_{model}_delete", args=[row.pk]))
    assert delete.status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def _log(times: list[int], userid: int = 42) -> None:
    fields = ["eventname", "component", "action", "target", "crud", "edulevel",
              "contextid", "contextlevel", "contextinstanceid", "userid", "courseid",
              "anonymous", "timecreated", "origin", "ip", "objecttable"]  # fmt: skip
    rows = [
        (r"\core\event\course_viewed", "core", "viewed", "course", "r", 2, 5, 50, 9,
         userid, 9, False, t, "web", "", "")
        for t in times
    ]  # fmt: skip
    log_rows_write(model=StandardLogEntry, fields=fields, rows=rows)


def test_log_time_filter_search_and_readable_times(admin_client):
    now = int(time.time())
    _log([now - 3600, now - 3 * 86400, now - 40 * 86400, now - 400 * 86400])
    _log([now - 60], userid=7)
    url = reverse("admin:logstore_standardlogentry_changelist")

    def times(**params):
        return sorted(
            r.timecreated
            for r in admin_client.get(url, params).context["cl"].result_list
        )

    assert times(period="day") == [now - 3600, now - 60]
    assert len(times(period="week")) == 3
    assert len(times(period="month")) == 3
    assert times(period="older") == [now - 400 * 86400]
    assert times(q="7") == [now - 60]
    assert len(times(q="9")) == 5  # the course
    assert times(q="viewed") == []  # text would scan the whole table
    assert len(times(component="core", crud="r", edulevel="2")) == 5
    assert times(component="mod_forum") == []
    page = admin_client.get(url)
    readable = dt.datetime.fromtimestamp(now - 60, tz=dt.UTC).strftime("%Y-%m-%d %H:%M")
    assert readable.encode() in page.content


def test_the_log_list_never_counts_or_scans_the_whole_table(admin_client, site):
    url = reverse("admin:logstore_standardlogentry_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, {"crud__exact": "c"})
    assert response.status_code == 200
    log_queries = [q["sql"] for q in queries if "logstore_standard_log" in q["sql"]]
    assert log_queries
    for sql in log_queries:
        assert "DISTINCT" not in sql.upper()
        if "COUNT(" in sql.upper():
            assert "LIMIT" in sql.upper()


def test_the_log_count_is_capped(admin_client, site, monkeypatch):
    """A filtered list counts at most `cap` rows; an unfiltered one on PostgreSQL
    shows the planner's estimate instead (the generator analyses what it wrote, so
    there is one), and elsewhere the capped count."""
    monkeypatch.setattr(LogPaginator, "cap", 25)
    total = LegacyLogEntry.objects.count()
    assert total > 25
    url = reverse("admin:logstore_legacylogentry_changelist")
    module = (
        LegacyLogEntry.objects.values("module")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert module["n"] > 25
    filtered = admin_client.get(url, {"module": module["module"]})
    assert filtered.context["cl"].result_count == 25
    unfiltered = admin_client.get(url).context["cl"].result_count
    assert unfiltered == (total if connection.vendor == "postgresql" else 25)
