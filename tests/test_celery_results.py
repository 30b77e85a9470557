"""Celery keeps no task results: nothing reads them, ModelLog records each run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


def _result_backend(value: str | None) -> str:
    env = {**os.environ}
    env.pop("CELERY_RESULT_BACKEND", None)
    if value is not None:
        env["CELERY_RESULT_BACKEND"] = value
    code = (
        "import django; django.setup(); from config.celery import app; "
        "print(app.conf.result_backend)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_django_celery_results_is_not_installed():
    assert "django_celery_results" not in settings.INSTALLED_APPS
    assert app.conf.result_backend is None


def test_an_older_env_with_the_django_db_backend_still_starts():
    assert _result_backend("django-db") == "None"
    assert _result_backend("") == "None"
    assert _result_backend(None) == "None"


def test_a_result_backend_can_still_be_chosen():
    assert _result_backend("redis://127.0.0.1:6379/3") == "redis://127.0.0.1:6379/3"
