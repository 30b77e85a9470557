"""The admin's "Moodle site" page and the links back to Moodle."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lms.models import Activity, Course
from moodlesync.links import (
    moodle_activity_url,
    moodle_course_url,
    moodle_log_report_url,
    moodle_user_url,
)
from moodlesync.models import Kind
from moodlesync.services import moodle_sync
from moodlesync.services.common import idmap_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "foresight-admin", "a@example.org", "pw"
    )
    client.force_login(admin)
    return client


def test_the_moodle_site_page_shows_status_release_and_counts(
    moodle_pg, use_moodle, admin_client_, facts
):
    use_moodle(moodle_pg)
    moodle_sync()
    page = admin_client_.get(reverse("admin:moodlesync_siteinfo_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Connected" in text
    assert facts["moodle"]["release"] in text
    assert facts["siteidentifier"]["postgresql"] in text
    assert "imported: 41062" in text
    assert "Europe/Madrid" in text


def test_the_moodle_site_page_explains_a_bad_connection(settings, admin_client_):
    settings.MOODLE_DATABASE_URL = "postgres://moodle@127.0.0.1:1/moodle"
    page = admin_client_.get(reverse("admin:moodlesync_siteinfo_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cannot connect to the Moodle database moodle@127.0.0.1:1/moodle" in text
    assert "Nothing synced yet" in text
    settings.MOODLE_DATABASE_URL = ""
    page = admin_client_.get(reverse("admin:moodlesync_siteinfo_changelist"))
    assert "MOODLE_DATABASE_URL is not set" in page.content.decode()


def test_links_open_the_synced_rows_in_moodle(moodle_pg, use_moodle, settings):
    use_moodle(moodle_pg)
    moodle_sync(only="categories,courses,activities,users")
    course = Course.objects.get(shortname="BIO101-2026S")
    quiz = Activity.objects.filter(course=course, modname="quiz").order_by("pk")[0]
    cmid = {v: k for k, v in idmap_load(Kind.ACTIVITY).items()}[quiz.pk]
    user = get_user_model().objects.get(username="hvidal")
    uid = {v: k for k, v in idmap_load(Kind.USER).items()}[user.pk]
    root = "https://moodle.example.edu"
    assert moodle_course_url(course=course) == f"{root}/course/view.php?id=2"
    assert moodle_activity_url(activity=quiz) == f"{root}/mod/quiz/view.php?id={cmid}"
    assert moodle_user_url(user=user) == f"{root}/user/profile.php?id={uid}"
    assert moodle_user_url(user=user, course=course) == (
        f"{root}/user/view.php?id={uid}&course=2"
    )
    assert moodle_log_report_url(course=course, user=user) == (
        f"{root}/report/log/index.php?id=2&chooselog=1&user={uid}"
    )
    local = Course.objects.create(
        category=course.category, shortname="LOCAL", fullname="Local"
    )
    assert moodle_course_url(course=local) is None
    settings.MOODLE_WWWROOT = ""
    assert moodle_course_url(course=course) is None


def test_a_synced_forum_with_a_due_date_is_a_valid_activity(course):
    """Moodle 4.0+ forums have due dates; the sync brings them, and editing such
    an activity in the admin must not then fail validation."""
    import datetime as dt

    forum = Activity(
        course=course,
        modname="forum",
        name="Graded discussion",
        duedate=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )
    forum.full_clean()


def test_prediction_pages_link_synced_students_to_moodle(
    moodle_pg, use_moodle, settings
):
    """Issue 15.4: insights' link provider, registered by moodlesync, gives a synced
    student's course profile, course and log report; nothing for a local one."""
    from insights.elsewhere import links_elsewhere

    use_moodle(moodle_pg)
    moodle_sync(only="categories,courses,users")
    course = Course.objects.get(shortname="BIO101-2026S")
    user = get_user_model().objects.get(username="hvidal")
    uid = {v: k for k, v in idmap_load(Kind.USER).items()}[user.pk]
    root = "https://moodle.example.edu"

    links = dict(links_elsewhere(url_args={"user_id": user.pk, "course_id": course.pk}))

    assert links == {
        "Profile in Moodle": f"{root}/user/view.php?id={uid}&course=2",
        "Course in Moodle": f"{root}/course/view.php?id=2",
        "Log report in Moodle": (
            f"{root}/report/log/index.php?id=2&chooselog=1&user={uid}"
        ),
    }
    local = get_user_model().objects.create(username="local-only")
    local_course = Course.objects.create(
        category=course.category, shortname="LOCAL", fullname="Local"
    )
    assert (
        links_elsewhere(url_args={"user_id": local.pk, "course_id": local_course.pk})
        == []
    )
