"""`check --deploy` refuses the secrets published with the code or Moodle's docs."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks

from settings_app.checks import PUBLIC_SECRET_KEYS
from settings_app.models import AnalyticsSettings

REAL_KEY = "k8Jv3qf0Zl7Tn2-wXbR5cYhA9sD4eG6uM1pQ_oV0iL3zN7rE2tB8yH5jK9aW4xC6"


def _deploy_issue_ids() -> set[str]:
    return {issue.id for issue in run_checks(include_deployment_checks=True)}


def _example_env() -> dict[str, str]:
    values: dict[str, str] = {}
    path = django_settings.BASE_DIR / ".env.example"
    for line in path.read_text().splitlines():
        name, equals, value = line.partition("=")
        if equals and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def test_the_example_secret_key_is_known_as_public():
    assert _example_env()["DJANGO_SECRET_KEY"] in PUBLIC_SECRET_KEYS


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(PUBLIC_SECRET_KEYS))
def test_a_published_secret_key_is_an_error(settings, key):
    settings.SECRET_KEY = key
    assert "settings_app.E001" in _deploy_issue_ids()


@pytest.mark.django_db
def test_a_random_secret_key_passes(settings):
    settings.SECRET_KEY = REAL_KEY
    assert "settings_app.E001" not in _deploy_issue_ids()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "users",
    [
        "default:change-me",
        "default:sshhhh",
        "moodle:long-random-1,default:sshhhh",
        "default:sha256:salt:" + hashlib.sha256(b"saltsshhhh").hexdigest(),
        _example_env()["FORESIGHT_MLBACKEND_USERS"],
    ],
)
def test_an_ml_server_user_with_a_published_password_is_an_error(settings, users):
    settings.FORESIGHT_MLBACKEND_USERS = users
    issues = {i.id: i for i in run_checks(include_deployment_checks=True)}
    assert "settings_app.E002" in issues
    assert "default" in issues["settings_app.E002"].msg
    assert "sshhhh" not in issues["settings_app.E002"].msg


@pytest.mark.django_db
@pytest.mark.parametrize(
    "users",
    [
        "",
        "default:v:pa:ss:word",
        "moodle:sshhhh-but-longer",
        "default:sha256:salt:" + hashlib.sha256(b"saltlong-secret").hexdigest(),
    ],
)
def test_ml_server_users_with_their_own_passwords_pass(settings, users):
    settings.FORESIGHT_MLBACKEND_USERS = users
    assert "settings_app.E002" not in _deploy_issue_ids()


@pytest.mark.django_db
def test_a_published_client_password_in_the_environment_is_an_error(settings):
    settings.FORESIGHT_MLBACKEND_PASSWORD = "sshhhh"
    assert "settings_app.E003" in _deploy_issue_ids()


@pytest.mark.django_db
def test_a_published_client_password_in_the_settings_row_is_an_error(settings):
    settings.FORESIGHT_MLBACKEND_PASSWORD = "long-random-from-env"
    AnalyticsSettings.load()
    AnalyticsSettings.objects.update(mlbackend_password="change-me")
    assert "settings_app.E003" in _deploy_issue_ids()


@pytest.mark.django_db
def test_the_checks_need_deploy(settings):
    settings.SECRET_KEY = sorted(PUBLIC_SECRET_KEYS)[0]
    settings.FORESIGHT_MLBACKEND_USERS = "default:sshhhh"
    ids = {issue.id for issue in run_checks()}
    assert not ids & {"settings_app.E001", "settings_app.E002"}
