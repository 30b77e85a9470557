"""The ten real launches Moodle 4.4 signed go through the launch view, with the
LTI clock frozen at each token's `iat` and Moodle's keyset served over HTTP."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from lti.launch import STATE_COOKIE
from lti.models import LaunchUser, LoginState, Platform


@pytest.fixture
def moodle_platforms(db, moodle_data, json_server):
    """The two registrations Moodle made, with its keyset on a local server."""
    keyset_url = json_server(moodle_data.keyset)
    platform = moodle_data.registration["platform"]
    return {
        r["client_id"]: Platform.objects.create(
            name=f"Moodle peer ({r['variant']})",
            issuer=platform["issuer"],
            client_id=r["client_id"],
            deployment_ids=[r["deployment_id"]],
            keyset_url=keyset_url,
            auth_login_url=platform["authentication_request_url"],
            token_url=platform["access_token_url"],
            moodle_sync=True,
        )
        for r in moodle_data.registration["registrations"]
    }


def _post_launch(client, launch, platform, *, frozen_clock, at=None):
    """Store the login state Foresight would have made, then post the token."""
    from lti import clock

    frozen_clock(launch["claims"]["iat"] if at is None else at)
    LoginState.objects.create(
        platform=platform,
        state=launch["authentication_request"]["state"],
        nonce=launch["authentication_request"]["nonce"],
        message_hint=launch["login_initiation"]["params"]["lti_message_hint"],
        expires=clock.now() + timedelta(minutes=10),
    )
    client.cookies[STATE_COOKIE] = launch["authentication_request"]["state"]
    return client.post(
        reverse("lti:launch"),
        {"id_token": launch["id_token"], "state": launch["launch_request"]["state"]},
    )


LAUNCH_KEYS = [
    "teacher/default-privacy",
    "teacher/share-name-email-custom",
    "noneditingteacher/default-privacy",
    "noneditingteacher/share-name-email-custom",
    "student/default-privacy",
    "student/share-name-email-custom",
    "categorymanager/default-privacy",
    "categorymanager/share-name-email-custom",
    "siteadmin/default-privacy",
    "siteadmin/share-name-email-custom",
]


def _launch(moodle_data, key):
    return next(item for item in moodle_data.launches if item["key"] == key)


@pytest.mark.parametrize("key", LAUNCH_KEYS)
def test_real_moodle_launch_signs_in_the_synced_user(
    client,
    moodle_data,
    moodle_platforms,
    synced_site,
    course_insights,
    frozen_clock,
    key,
):
    launch = _launch(moodle_data, key)
    platform = moodle_platforms[launch["claims"]["aud"]]
    response = _post_launch(client, launch, platform, frozen_clock=frozen_clock)
    assert response.status_code == 302, response.content.decode()[:500]
    user_id = int(client.session["_auth_user_id"])
    sub = launch["claims"]["sub"]
    if sub in synced_site.people:
        assert user_id == synced_site.people[sub].pk
        expected = {
            "265": course_insights.course.get_absolute_url(),
            "266": course_insights.course.get_absolute_url(),
            "267": course_insights.own.get_absolute_url(),
            "268": reverse("insights:list"),
        }[sub]
        assert response["Location"] == expected
    else:  # the site admin is not synced: created from the launch, as Instructor
        link = LaunchUser.objects.get(platform=platform, sub=sub)
        assert link.created_from_launch is True and link.user.pk == user_id
        assert link.user.has_usable_password() is False
        assert response["Location"] == course_insights.course.get_absolute_url()


def test_moodle_launch_keeps_the_course_link_for_email(
    client, moodle_data, moodle_platforms, synced_site, frozen_clock
):
    from lti.models import LaunchCourse

    launch = _launch(moodle_data, "teacher/default-privacy")
    _post_launch(
        client,
        launch,
        moodle_platforms[launch["claims"]["aud"]],
        frozen_clock=frozen_clock,
    )
    link = LaunchCourse.objects.get(course=synced_site.course)
    assert link.link_url == "http://127.0.0.1:8091/moodle/mod/lti/view.php?id=92"
    assert link.created_from_launch is False


def test_real_moodle_launch_at_the_real_clock_is_expired(
    client, moodle_data, moodle_platforms, synced_site, frozen_clock
):
    import time

    launch = _launch(moodle_data, "teacher/default-privacy")
    response = _post_launch(
        client,
        launch,
        moodle_platforms[launch["claims"]["aud"]],
        frozen_clock=frozen_clock,
        at=int(time.time()),
    )
    assert response.status_code == 403
    assert b'data-code="expired"' in response.content
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0


def test_real_moodle_token_with_an_edited_sub_fails_the_signature(
    client, moodle_data, moodle_platforms, synced_site, frozen_clock
):
    launch = dict(_launch(moodle_data, "student/default-privacy"))
    header, payload, signature = launch["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "265"  # the student pretends to be the teacher
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    launch["id_token"] = f"{header}.{edited}.{signature}"
    response = _post_launch(
        client, launch, moodle_platforms[claims["aud"]], frozen_clock=frozen_clock
    )
    assert response.status_code == 403
    assert b'data-code="signature"' in response.content
    assert Session.objects.count() == 0


def test_real_moodle_token_posted_twice_is_a_replay(
    client, moodle_data, moodle_platforms, synced_site, course_insights, frozen_clock
):
    launch = _launch(moodle_data, "teacher/default-privacy")
    platform = moodle_platforms[launch["claims"]["aud"]]
    first = _post_launch(client, launch, platform, frozen_clock=frozen_clock)
    assert first.status_code == 302
    client.logout()
    client.cookies[STATE_COOKIE] = launch["authentication_request"]["state"]
    again = client.post(
        reverse("lti:launch"),
        {"id_token": launch["id_token"], "state": launch["launch_request"]["state"]},
    )
    assert again.status_code == 403
    assert b'data-code="replay"' in again.content
    assert "sessionid" not in again.cookies
    assert Session.objects.count() == 0


def test_real_moodle_token_for_the_other_registration_is_the_wrong_audience(
    client, moodle_data, moodle_platforms, synced_site, frozen_clock
):
    """A token for client QnVF... posted to a login state of client 59xm...."""
    launch = _launch(moodle_data, "teacher/default-privacy")
    other = next(
        p for cid, p in moodle_platforms.items() if cid != launch["claims"]["aud"]
    )
    response = _post_launch(client, launch, other, frozen_clock=frozen_clock)
    assert response.status_code == 403
    assert b'data-code="audience"' in response.content
    assert Session.objects.count() == 0
