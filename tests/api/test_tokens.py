"""API tokens: made in the admin and shown once, stored hashed, revocable."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from rest_framework.test import APIClient

from api.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_the_admin_shows_a_new_key_once_and_stores_only_its_hash(admin_client, teacher):
    response = admin_client.post(
        "/admin/api/apitoken/add/", {"user": teacher.pk, "name": "Dashboard"}
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = re.search(r'value="(fsk_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.user, token.name, key.startswith(token.prefix)) == (
        teacher,
        "Dashboard",
        True,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert key not in row  # a copy of the database gives no access
    page = admin_client.get(f"/admin/api/apitoken/{token.pk}/change/")
    assert key not in page.content.decode()  # never shown again

    assert _bearer(key).get("/api/v1/insights/").status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None


def test_a_revoked_token_no_longer_works(admin_client, teacher):
    token = ApiToken(user=teacher, name="CRM")
    key = token.key_generate()
    token.save()
    assert _bearer(key).get("/api/v1/insights/").status_code == 200

    response = admin_client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None

    refused = _bearer(key).get("/api/v1/insights/")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_a_token_of_a_deactivated_user_no_longer_works(teacher):
    token = ApiToken(user=teacher, name="CRM")
    key = token.key_generate()
    token.save()
    teacher.is_active = False
    teacher.save()

    assert _bearer(key).get("/api/v1/insights/").status_code == 401


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-key", "Bearer two words", "Basic dXNlcjpwdw=="],
)
def test_without_a_valid_token_the_answer_is_401_and_says_how(header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/predictions/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_the_openapi_schema_is_served_without_login():
    response = APIClient().get("/api/schema/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/predictions/{id}/" in body
    assert "bearer" in body


def test_rest_frameworks_catalogue_is_still_installed_and_its_html_is_not_served():
    """REST framework is installed from its directory without its template tags
    (config/apps.py): Django still finds its catalogue and its files, and its HTML
    pages, which need the tags, are not among the API's renderers."""
    import pytest
    from django.apps import apps
    from django.conf import settings
    from django.template import TemplateSyntaxError
    from django.template.loader import render_to_string
    from django.utils import translation
    from rest_framework.exceptions import NotAuthenticated

    with translation.override("es"):
        assert str(NotAuthenticated().detail) == (
            "Las credenciales de autenticación no se proveyeron."
        )
    assert apps.get_app_config("rest_framework").path.endswith("rest_framework")
    assert settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == [
        "rest_framework.renderers.JSONRenderer"
    ]
    with pytest.raises(TemplateSyntaxError, match="rest_framework"):
        render_to_string("rest_framework/base.html")
