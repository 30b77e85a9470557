"""Project-wide checks: migrations match models, deploy checks pass in production
with real values and refuse the published example secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "foresight.example.org",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SESSION_COOKIE_SECURE": "1",
    "DJANGO_CSRF_COOKIE_SECURE": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
}

#: What a real deployment sets beyond the above (.env.example, with real secrets).
REALISTIC_PRODUCTION_ENV = {
    **PRODUCTION_ENV,
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://foresight.example.org",
    "DJANGO_BEHIND_TLS_PROXY": "1",
    "DJANGO_STATICFILES_STORAGE": (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    ),
    "DJANGO_EMAIL_URL": "smtp+tls://foresight:Mail-pw-9f3k@smtp.example.org:587",
    "DJANGO_DEFAULT_FROM_EMAIL": "foresight@example.org",
    "FORESIGHT_SITE_URL": "https://foresight.example.org",
    "DATABASE_URL": "postgres://foresight:Db-pw-2k9d@127.0.0.1:5432/foresight",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CELERY_RESULT_BACKEND": "django-db",
    "FORESIGHT_MLBACKEND_USERS": "moodle:Zq8-long:random:pw,site:Another-long-pw-7",
    "FORESIGHT_MLBACKEND_PASSWORD": "Another-long-pw-7",
}


def _example_env() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        name, equals, value = line.partition("=")
        if equals and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_models_match_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exc:  # makemigrations --check exits 1 on drift
        raise AssertionError(
            f"Model changes without migrations:\n{out.getvalue()}"
        ) from exc


def _production_env(tmp_path) -> dict[str, str]:
    env = {**os.environ, **PRODUCTION_ENV, "FORESIGHT_DATA_DIR": str(tmp_path)}
    # Set by the browser tests for Playwright in this process; never in production.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = _production_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_secret_key(tmp_path):
    env = _production_env(tmp_path)
    env.pop("DJANGO_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_check_deploy_is_clean_with_realistic_production_values(tmp_path):
    env = {**_production_env(tmp_path), **REALISTIC_PRODUCTION_ENV}
    env["DJANGO_STATIC_ROOT"] = str(tmp_path / "static")
    result = _check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_the_example_secrets_of_env_example(tmp_path):
    example = _example_env()
    env = {**_production_env(tmp_path), **REALISTIC_PRODUCTION_ENV}
    for name in ("DJANGO_SECRET_KEY", "FORESIGHT_MLBACKEND_USERS"):
        env[name] = example[name]
    env["FORESIGHT_MLBACKEND_PASSWORD"] = "sshhhh"
    result = _check_deploy(env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for issue in ("settings_app.E001", "settings_app.E002", "settings_app.E003"):
        assert issue in output
    assert "sshhhh" not in output
