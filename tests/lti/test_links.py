"""Email links for people who sign in through their platform, and one-time tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from lti import clock
from lti.links import email_link_for, signin_token_create
from lti.models import LaunchCourse, LaunchUser, Platform, SignInToken

pytestmark = pytest.mark.django_db
PAGE = "https://foresight.example/insights/7/"


@pytest.fixture
def platform(db):
    return Platform.objects.create(
        name="Moodle",
        issuer="https://moodle.example",
        client_id="c",
        deployment_ids=["1"],
        keyset_url="https://moodle.example/mod/lti/certs.php",
        auth_login_url="https://moodle.example/mod/lti/auth.php",
    )


@pytest.fixture
def lti_teacher(teacher, platform):
    teacher.set_unusable_password()
    teacher.save()
    LaunchUser.objects.create(platform=platform, sub="265", user=teacher)
    return teacher


def test_a_user_with_a_password_gets_the_page_itself(teacher, platform):
    LaunchUser.objects.create(platform=platform, sub="265", user=teacher)
    assert email_link_for(user=teacher, url=PAGE) == PAGE


def test_a_user_unknown_to_any_platform_gets_the_page_itself(teacher):
    teacher.set_unusable_password()
    assert email_link_for(user=teacher, url=PAGE) == PAGE


def test_a_launched_user_gets_the_course_link_on_the_platform(
    lti_teacher, platform, course
):
    LaunchCourse.objects.create(
        platform=platform,
        context_id="5",
        course=course,
        link_url="https://moodle.example/mod/lti/view.php?id=92",
    )
    link = email_link_for(user=lti_teacher, url=PAGE, course=course)
    assert link == "https://moodle.example/mod/lti/view.php?id=92"


def test_without_a_course_link_the_user_gets_a_one_time_sign_in(
    client, lti_teacher, settings
):
    settings.FORESIGHT_SITE_URL = "https://foresight.example"
    link = email_link_for(user=lti_teacher, url=PAGE)
    assert link.startswith("https://foresight.example/lti/signin/")
    path = link.removeprefix("https://foresight.example")
    shown = client.get(path)  # a mail scanner's GET does not spend the token
    assert shown.status_code == 200 and b"signin-continue" in shown.content
    used = client.post(path)
    assert used.status_code == 302 and used["Location"] == "/insights/7/"
    assert int(client.session["_auth_user_id"]) == lti_teacher.pk
    client.logout()
    again = client.post(path)
    assert again.status_code == 403 and b'data-code="signin"' in again.content
    assert "_auth_user_id" not in client.session


def test_an_expired_sign_in_token_is_refused(client, lti_teacher, monkeypatch):
    token = signin_token_create(user=lti_teacher, next_url="/insights/")
    later = clock.timestamp() + int(timedelta(minutes=31).total_seconds())
    monkeypatch.setattr(clock, "timestamp", lambda: later)
    response = client.post(reverse("lti:signin", args=[token]))
    assert response.status_code == 403
    assert SignInToken.objects.get().used is None


def test_a_forged_sign_in_token_is_refused(client, lti_teacher):
    signin_token_create(user=lti_teacher, next_url="/insights/")
    response = client.post(reverse("lti:signin", args=["eyJ0IjoxfQ:forged:sig"]))
    assert response.status_code == 403


def test_a_sign_in_token_never_redirects_off_site(client, lti_teacher):
    token = signin_token_create(user=lti_teacher, next_url="https://evil.example/")
    response = client.post(reverse("lti:signin", args=[token]))
    assert response["Location"] == reverse("insights:list")
