"""Cross-site cookies and framing only on LTI paths and in sessions from a launch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lti.middleware import SESSION_FRAME_ORIGINS
from lti.models import Platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_platforms(db):
    common = {"deployment_ids": ["1"], "client_id": "c"}
    return [
        Platform.objects.create(
            name="A",
            issuer="https://moodle.a.example",
            keyset_url="https://moodle.a.example/mod/lti/certs.php",
            auth_login_url="https://moodle.a.example/mod/lti/auth.php",
            **common,
        ),
        Platform.objects.create(
            name="B",
            issuer="https://canvas.instructure.com",
            keyset_url="https://canvas.instructure.com/api/lti/security/jwks",
            auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
            frame_origins="https://school.instructure.com\n",
            **common,
        ),
    ]


def test_lti_paths_may_be_framed_by_registered_platforms_only(client, two_platforms):
    response = client.get(reverse("lti:jwks"))
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://moodle.a.example https://school.instructure.com"
    )


def test_other_pages_keep_the_site_defaults(client, two_platforms, teacher):
    client.force_login(teacher)
    response = client.get(reverse("insights:list"))
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in response


def test_a_launched_session_may_be_framed_by_its_platform_only(
    client, two_platforms, teacher
):
    client.force_login(teacher)
    session = client.session
    session[SESSION_FRAME_ORIGINS] = two_platforms[0].allowed_frame_origins()
    session.save()
    response = client.get(reverse("insights:list"))
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://moodle.a.example"
    )


def test_cookies_stay_lax_outside_lti(client):
    response = client.get(reverse("login"))
    assert response.cookies["csrftoken"]["samesite"] == "Lax"
    assert response.cookies["csrftoken"]["secure"] == ""


def test_platform_frame_origins_default_to_issuer_and_auth_url():
    platform = Platform(
        issuer="https://lms.example/moodle",
        auth_login_url="https://auth.lms.example/mod/lti/auth.php",
    )
    assert platform.allowed_frame_origins() == [
        "https://auth.lms.example",
        "https://lms.example",
    ]
