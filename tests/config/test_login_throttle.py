"""Login throttling: the account locks after AXES_FAILURE_LIMIT failures, says so,
and opens again after the lockout period."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.contrib.auth import authenticate
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

LOGIN_URL = reverse("login")
AXES_MARGIN = dt.timedelta(minutes=1)


def _login(client, username: str, password: str, url: str = LOGIN_URL):
    return client.post(url, {"username": username, "password": password})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, times: int, username: str = "teacher", url: str = LOGIN_URL):
    return [_login(client, username, "wrong-password", url) for _ in range(times)]


@pytest.fixture
def limit(settings) -> int:
    return settings.AXES_FAILURE_LIMIT


def test_the_defaults_lock_after_five_failures_for_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_failures_below_the_limit_get_the_usual_answer(client, teacher, limit):
    for response in _fail(client, limit - 1):
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()


def test_the_last_allowed_failure_locks_and_the_next_attempt_is_refused(
    client, teacher, limit
):
    *_, locking = _fail(client, limit)
    assert locking.status_code == 429
    assert "locked for 15 minutes" in locking.content.decode()

    refused = _login(client, "teacher", DEFAULT_PASSWORD)  # the right password

    assert refused.status_code == 429
    text = refused.content.decode()
    assert "Too many failed logins for this account" in text
    assert "ask an administrator to unlock it" in text
    assert DEFAULT_PASSWORD not in text
    assert _logged_in(client) is False


def test_a_correct_login_after_the_lockout_period_works(
    client, teacher, limit, settings
):
    _fail(client, limit)
    assert _login(client, "teacher", DEFAULT_PASSWORD).status_code == 429
    # The lockout period passes: every recorded failure is older than it.
    past = settings.AXES_COOLOFF_TIME + AXES_MARGIN
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= past
        attempt.save()
    for expiration in AccessAttemptExpiration.objects.all():
        expiration.expires_at -= past
        expiration.save()

    response = _login(client, "teacher", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("insights:list")
    assert _logged_in(client) is True


def test_a_locked_account_does_not_lock_others_on_the_same_address(
    client, teacher, outsider, limit
):
    _fail(client, limit)
    response = _login(client, "outsider", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client) is True


def test_a_success_starts_the_count_again(client, teacher, limit):
    _fail(client, limit - 1)
    assert _login(client, "teacher", DEFAULT_PASSWORD).status_code == 302
    client.logout()
    responses = _fail(client, limit - 1)
    assert {response.status_code for response in responses} == {200}
    assert _login(client, "teacher", DEFAULT_PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client, superuser, limit):
    admin_login = reverse("admin:login")
    *_, locking = _fail(client, limit, username=superuser.username, url=admin_login)
    assert locking.status_code == 429
    assert f'href="{admin_login}"' in locking.content.decode()
    refused = _login(client, superuser.username, DEFAULT_PASSWORD, admin_login)
    assert refused.status_code == 429


@pytest.mark.django_db
def test_authenticate_without_a_request_still_checks_the_password(teacher):
    assert authenticate(username="teacher", password=DEFAULT_PASSWORD) == teacher
    assert authenticate(username="teacher", password="wrong") is None


def test_the_admin_shows_the_login_attempts_in_spanish(admin_client, client, teacher):
    """django-axes ships no Spanish; locale-thirdparty/ translates its admin texts."""
    from tests.fixtures.catalogues import catalogues_compile

    catalogues_compile()
    _fail(client, 1)
    url = reverse("admin:axes_accessattempt_changelist")
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
    redirect = admin_client.get(url, **spanish)
    page = admin_client.get(redirect["Location"], **spanish).content.decode()

    assert "intentos de acceso" in page.lower()
    assert "Dirección IP" in page
    assert "Inicios de sesión fallidos" in page
    english = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "IP Address" in english
