"""Login initiation and launch against the platform stand-in (real HTTP server),
through Django's test client: what lands where, and every bad input refused
with a page that says what failed, the details in the log, and no session."""

from __future__ import annotations

import html
import re
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.models import Session
from django.urls import reverse
from joserfc.jwk import RSAKey

from lti.launch import CLAIM, STATE_COOKIE

pytestmark = pytest.mark.django_db


def _hidden_fields(page: str) -> dict[str, str]:
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)
    }


def login(client, standin, *, user: str = "265", **params: str):
    """The stand-in's login initiation POSTed to Foresight; returns the response."""
    fields = _hidden_fields(
        requests.get(standin.launch_page(user), timeout=5).content.decode()
    )
    fields.update(params)
    return client.post(reverse("lti:login"), fields)


def drive(client, standin, *, user: str = "265"):
    """The whole launch: login initiation, the platform's auth.php, the launch POST."""
    started = login(client, standin, user=user)
    assert started.status_code == 302, started.content.decode()[:300]
    answer = requests.get(started["Location"], timeout=5)
    assert answer.status_code == 200, answer.text
    fields = _hidden_fields(answer.text)
    return client.post(reverse("lti:launch"), fields), fields


@pytest.fixture
def tool_urls(standin, settings):
    settings.FORESIGHT_SITE_URL = "http://testserver"
    standin.tool_login_url = "http://testserver" + reverse("lti:login")
    standin.tool_launch_url = "http://testserver" + reverse("lti:launch")


def assert_refused(response, code: str, caplog) -> None:
    assert response.status_code in (400, 403), response.status_code
    assert f'data-code="{code}"'.encode() in response.content, response.content[:800]
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0
    assert any(f"LTI refused ({code})" in r.getMessage() for r in caplog.records)


def test_login_initiation_redirects_to_the_platform_as_moodle_expects(
    client, standin, platform_row, tool_urls
):
    platform_row()
    response = login(client, standin)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == standin.auth_url
    assert query["redirect_uri"] == standin.tool_launch_url
    assert query["response_mode"] == "form_post" and query["prompt"] == "none"
    assert query["login_hint"] == "265" and query["client_id"] == standin.client_id
    cookie = response.cookies[STATE_COOKIE]
    assert cookie.value == query["state"]
    assert cookie["samesite"] == "None" and cookie["secure"] is True


def test_login_initiation_by_get_works_too(client, standin, platform_row, tool_urls):
    platform_row()
    response = client.get(
        reverse("lti:login"),
        {"iss": standin.issuer, "login_hint": "267", "client_id": standin.client_id},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(standin.auth_url)


def test_teacher_lands_on_the_course_insight(
    client, standin, platform_row, tool_urls, synced_site, course_insights
):
    platform_row()
    response, _fields = drive(client, standin, user="265")
    assert response.status_code == 302
    assert response["Location"] == course_insights.course.get_absolute_url()
    assert int(client.session["_auth_user_id"]) == synced_site.people["265"].pk
    assert client.get(response["Location"]).status_code == 200


def test_launch_sets_cross_site_session_and_csrf_cookies(
    client, standin, platform_row, tool_urls, synced_site, course_insights
):
    platform_row()
    response, _fields = drive(client, standin, user="265")
    for name in ("sessionid", "csrftoken"):
        assert response.cookies[name]["samesite"] == "None", name
        assert response.cookies[name]["secure"] is True, name
        # CHIPS: browsers that block third-party cookies keep these in the iframe.
        assert response.cookies[name].OutputString().endswith("; Partitioned")
    assert response.cookies[STATE_COOKIE].value == ""  # deleted once used


def test_student_lands_on_their_own_insight(
    client, standin, platform_row, tool_urls, synced_site, course_insights
):
    platform_row()
    response, _fields = drive(client, standin, user="267")
    assert response["Location"] == course_insights.own.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200


def test_category_manager_lands_on_the_list_of_the_categorys_courses(
    client, standin, platform_row, tool_urls, synced_site, course_insights
):
    platform_row()
    response, _fields = drive(client, standin, user="268")
    assert response["Location"] == reverse("insights:list")
    page = client.get(response["Location"]).content.decode()
    assert "LTI capture course" in page and "Other course" in page


def test_synced_launch_grants_no_role(
    client, standin, platform_row, tool_urls, synced_site, course_insights
):
    """A synced student launching as Instructor stays a student: the sync decides."""
    from access.models import RoleAssignment

    platform_row()
    standin.tamper = {
        CLAIM + "roles": [
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
        ]
    }
    before = set(RoleAssignment.objects.values_list("user_id", "role_id", "context_id"))
    response, _fields = drive(client, standin, user="267")
    assert response["Location"] == course_insights.own.get_absolute_url()
    after = set(RoleAssignment.objects.values_list("user_id", "role_id", "context_id"))
    assert after == before


def test_unsynced_platform_creates_the_user_and_course_with_mapped_roles(
    client, standin, platform_row, tool_urls
):
    from access.models import RoleAssignment
    from lms.models import Course, Enrolment
    from lti.models import LaunchCourse, LaunchUser
    from tests.lti.conftest import _default_roles

    _default_roles()
    platform = platform_row(moodle_sync=False, name="Other school")
    response, _fields = drive(client, standin, user="265")
    link = LaunchUser.objects.get(platform=platform, sub="265")
    user = link.user
    assert (user.first_name, user.last_name) == ("Tessa", "Teacher")
    assert user.email == "lti_teacher@example.org"
    assert user.has_usable_password() is False
    course = LaunchCourse.objects.get(platform=platform, context_id="5").course
    assert (course.shortname, course.fullname) == ("LTICAP1", "LTI capture course")
    assert course.category.name == "Other school"
    roles = set(
        RoleAssignment.objects.filter(user=user).values_list(
            "role__shortname", flat=True
        )
    )
    assert roles == {"editingteacher"}
    assert Enrolment.objects.filter(user=user, course=course).exists()
    assert response["Location"] == reverse("lti:course", args=[course.pk])
    page = client.get(response["Location"]).content.decode()
    assert "created your account from this launch" in page
    assert "created the course LTI capture course" in page
    assert Course.objects.filter(shortname="LTICAP1").count() == 1


def test_a_later_launch_as_learner_takes_the_teacher_role_back(
    client, standin, platform_row, tool_urls
):
    from access.models import RoleAssignment
    from lti.models import LaunchUser
    from tests.lti.conftest import _default_roles

    _default_roles()
    platform = platform_row(moodle_sync=False)
    drive(client, standin, user="265")
    client.logout()
    standin.tamper = {
        CLAIM + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    }
    response, _fields = drive(client, standin, user="265")
    user = LaunchUser.objects.get(platform=platform, sub="265").user
    roles = set(
        RoleAssignment.objects.filter(user=user).values_list(
            "role__shortname", flat=True
        )
    )
    assert roles == {"student"}
    assert response["Location"] == reverse("insights:list")


# --- bad input ---------------------------------------------------------------


def test_replayed_id_token_is_refused(
    client, standin, platform_row, tool_urls, synced_site, caplog
):
    platform_row()
    first, fields = drive(client, standin)
    assert first.status_code == 302
    client.logout()
    again = client.post(reverse("lti:launch"), fields)
    assert_refused(again, "replay", caplog)


def test_token_replayed_into_a_new_login_is_refused(
    client, standin, platform_row, tool_urls, synced_site, caplog
):
    """The same id_token (its nonce) posted with a fresh state of another login."""
    platform_row()
    first, fields = drive(client, standin)
    client.logout()
    started = login(client, standin)
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    again = client.post(
        reverse("lti:launch"), {"id_token": fields["id_token"], "state": state}
    )
    assert_refused(again, "replay", caplog)


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ({"iat": int(time.time()) - 600, "exp": int(time.time()) - 540}, "expired"),
        ({"aud": "SomeOtherTool"}, "audience"),
        ({"aud": ["SomeOtherTool", "StandInClient01"]}, "audience"),
        ({"iss": "http://127.0.0.1:1/moodle"}, "issuer"),
        ({CLAIM + "deployment_id": "99"}, "deployment"),
        ({CLAIM + "message_type": "LtiSubmissionReviewRequest"}, "message_type"),
        ({CLAIM + "message_type": "LtiDeepLinkingRequest"}, "deep_linking"),
        ({CLAIM + "context": None}, "place"),
        ({"sub": None}, "place"),
    ],
    ids=[
        "expired",
        "wrong-audience",
        "audience-list-without-azp",
        "wrong-issuer",
        "unknown-deployment",
        "other-message-type",
        "deep-linking-without-settings",
        "no-course",
        "anonymous",
    ],
)
def test_bad_claims_are_refused(
    client, standin, platform_row, tool_urls, synced_site, caplog, tamper, code
):
    platform_row()
    standin.tamper = tamper
    response, _fields = drive(client, standin)
    assert_refused(response, code, caplog)


@pytest.mark.parametrize("kid", ["standin-1", "another-kid"])
def test_signature_by_another_key_is_refused(
    client, standin, platform_row, tool_urls, synced_site, caplog, kid
):
    platform_row()
    standin.sign_with = RSAKey.generate_key(2048, parameters={"kid": kid})
    response, _fields = drive(client, standin)
    assert_refused(response, "signature", caplog)


def test_unknown_deployment_at_login_is_refused(
    client, standin, platform_row, tool_urls, caplog
):
    platform_row()
    response = login(client, standin, lti_deployment_id="42")
    assert_refused(response, "deployment", caplog)
    assert "42" in response.content.decode()


def test_unregistered_platform_is_refused(client, standin, tool_urls, caplog):
    response = login(client, standin)
    assert_refused(response, "platform", caplog)


def test_unreachable_keyset_is_refused(
    client, standin, platform_row, tool_urls, synced_site, caplog
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    platform_row(keyset_url=f"http://127.0.0.1:{port}/mod/lti/certs.php")
    response, _fields = drive(client, standin)
    assert_refused(response, "keyset", caplog)
    assert str(port) in " ".join(r.getMessage() for r in caplog.records)


def test_user_the_sync_does_not_know_is_refused_when_creating_is_off(
    client, standin, platform_row, tool_urls, synced_site, caplog
):
    from django.contrib.auth import get_user_model

    platform_row(create_unknown=False)
    users = get_user_model().objects.count()
    response, _fields = drive(client, standin, user="2")  # the site admin
    assert_refused(response, "place", caplog)
    assert get_user_model().objects.count() == users


def test_course_the_sync_does_not_know_is_refused_when_creating_is_off(
    client, standin, platform_row, tool_urls, synced_site, caplog
):
    platform_row(create_unknown=False)
    standin.tamper = {CLAIM + "context": {"id": "77", "title": "Unknown", "type": []}}
    response, _fields = drive(client, standin)
    assert_refused(response, "place", caplog)


def test_launch_without_the_state_cookie_is_refused(
    client, standin, platform_row, tool_urls, synced_site, caplog
):
    platform_row()
    started = login(client, standin)
    answer = requests.get(started["Location"], timeout=5)
    client.cookies.pop(STATE_COOKIE)
    response = client.post(reverse("lti:launch"), _hidden_fields(answer.text))
    assert_refused(response, "cookie", caplog)


def test_launch_by_get_is_refused(client, caplog):
    response = client.get(reverse("lti:launch"))
    assert response.status_code == 405
    assert b'data-code="method"' in response.content


def test_user_without_any_insight_capability_is_refused(
    client, standin, platform_row, tool_urls, synced_site, caplog
):
    from access.models import Capability, Permission, Role
    from access.services import capability_override, context_system

    capability_override(
        role=Role.objects.get(shortname="user"),
        capability=Capability.objects.get(name="analytics:listowninsights"),
        context=context_system(),
        permission=Permission.PROHIBIT,
    )
    platform_row()
    response, _fields = drive(client, standin, user="267")
    assert_refused(response, "no_access", caplog)


def test_a_user_created_before_the_sync_knew_them_moves_to_the_synced_user(
    client, standin, platform_row, tool_urls, synced_site, course_insights
):
    from lti.models import LaunchUser
    from moodlesync.models import ExternalId, Kind
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    platform = platform_row()
    drive(client, standin, user="2")  # Moodle's admin: not synced yet
    created = LaunchUser.objects.get(platform=platform, sub="2")
    assert created.created_from_launch is True
    client.logout()
    synced = UserFactory(username="admin_synced")
    EnrolmentFactory(user=synced, course=synced_site.course)
    RoleAssignmentFactory(
        user=synced, role="editingteacher", context=synced_site.course
    )
    ExternalId.objects.create(kind=Kind.USER, moodle_id=2, local_id=synced.pk)
    response, _fields = drive(client, standin, user="2")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == synced.pk
    link = LaunchUser.objects.get(platform=platform, sub="2")
    assert (link.user_id, link.created_from_launch) == (synced.pk, False)


def test_a_refused_landing_keeps_no_user_or_course_it_created(
    client, standin, platform_row, tool_urls, caplog
):
    from django.contrib.auth import get_user_model

    from access.models import Capability, Permission, Role
    from access.services import capability_override, context_system
    from lms.models import Course
    from tests.lti.conftest import _default_roles

    _default_roles()
    capability_override(
        role=Role.objects.get(shortname="user"),
        capability=Capability.objects.get(name="analytics:listowninsights"),
        context=context_system(),
        permission=Permission.PROHIBIT,
    )
    platform_row(moodle_sync=False)
    users, courses = get_user_model().objects.count(), Course.objects.count()
    response, _fields = drive(client, standin, user="267")
    assert_refused(response, "no_access", caplog)
    assert get_user_model().objects.count() == users
    assert Course.objects.count() == courses


def test_deep_linking_answers_one_link_signed_with_the_tools_key(
    client, standin, platform_row, tool_urls, caplog
):
    from joserfc import jwt
    from joserfc.jwk import KeySet

    from lti.deeplink import DL

    platform_row()
    standin.tamper = {
        CLAIM + "message_type": "LtiDeepLinkingRequest",
        DL + "deep_linking_settings": {
            "deep_link_return_url": standin.issuer + "/mod/lti/contentitem_return.php",
            "accept_types": ["ltiResourceLink"],
            "data": "opaque-42",
        },
        CLAIM + "resource_link": None,
    }
    response, _fields = drive(client, standin, user="265")
    assert response.status_code == 200
    fields = _hidden_fields(response.content.decode())
    action = re.search(r'action="([^"]+)"', response.content.decode()).group(1)
    assert action == standin.issuer + "/mod/lti/contentitem_return.php"
    keyset = KeySet.import_key_set(client.get(reverse("lti:jwks")).json())
    claims = jwt.decode(fields["JWT"], keyset, algorithms=["RS256"]).claims
    assert claims["iss"] == standin.client_id and claims["aud"] == standin.issuer
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "deployment_id"] == standin.deployment_id
    assert claims[DL + "data"] == "opaque-42"
    (item,) = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == standin.tool_launch_url
    assert "sessionid" not in response.cookies
