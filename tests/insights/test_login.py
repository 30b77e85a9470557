"""Teachers and managers are not staff: they log in on the site's own page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_site_login(client):
    response = client.get(reverse("insights:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_teacher_who_is_not_staff_logs_in_and_lands_on_insights(client, teacher):
    assert teacher.is_staff is False
    response = client.post(
        reverse("login"), {"username": "teacher", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("insights:list")
    assert client.get(reverse("insights:list")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, teacher):
    response = client.post(reverse("login"), {"username": "teacher", "password": "no"})
    assert response.status_code == 200
    assert 'id="login-error"' in response.content.decode()


def test_the_home_page_leads_to_insights(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("insights:list")
