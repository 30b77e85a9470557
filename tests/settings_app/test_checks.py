"""`manage.py check` explains a bad models output directory or a silent ML server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

from settings_app.models import AnalyticsSettings
from tests.fixtures.ml_server import ML_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _analytics_issues() -> dict[str, object]:
    return {issue.id: issue for issue in run_checks(tags=["analytics"])}


def _configure(**values: object) -> None:
    AnalyticsSettings.load()
    AnalyticsSettings.objects.filter(pk=1).update(**values)


@pytest.mark.django_db
def test_writable_directory_passes(tmp_path):
    _configure(models_output_dir=str(tmp_path))
    assert _analytics_issues() == {}


@pytest.mark.django_db
def test_missing_configured_directory_is_reported_with_the_fix(tmp_path):
    missing = tmp_path / "not-mounted" / "models"
    _configure(models_output_dir=str(missing))

    issue = _analytics_issues()["settings_app.W001"]

    assert str(missing) in issue.msg
    assert f"mkdir -p {missing}" in issue.hint
    assert "Analytics settings" in issue.hint


@pytest.mark.django_db
def test_missing_default_directory_that_can_be_created_is_fine(settings):
    assert not (settings.FORESIGHT_DATA_DIR / "models").exists()
    assert _analytics_issues() == {}


@pytest.mark.django_db
def test_missing_default_directory_that_cannot_be_created_is_reported(settings):
    settings.FORESIGHT_DATA_DIR = Path("/proc/foresight-data")
    assert "settings_app.W001" in _analytics_issues()


@pytest.mark.django_db
def test_file_in_place_of_the_directory_is_reported(tmp_path):
    a_file = tmp_path / "models"
    a_file.write_text("x")
    _configure(models_output_dir=str(a_file))
    assert "not a directory" in _analytics_issues()["settings_app.W002"].msg


@pytest.mark.django_db
def test_directory_that_is_not_writable_is_reported():
    _configure(models_output_dir="/proc")
    issue = _analytics_issues()["settings_app.W003"]
    assert "not writable" in issue.msg
    assert "write access" in issue.hint


def test_unreachable_mlbackend_default_is_reported(
    settings_row, closed_port_url, tmp_path
):
    _configure(
        default_processor="mlbackend",
        mlbackend_url=closed_port_url,
        models_output_dir=str(tmp_path),
    )

    issue = _analytics_issues()["settings_app.W004"]

    assert closed_port_url in issue.msg
    assert "does not answer" in issue.msg
    assert "Start the ML backend server" in issue.hint
    assert "FORESIGHT_MLBACKEND_PASSWORD" in issue.hint


def test_wrongly_authenticated_mlbackend_default_is_reported(
    settings_row, version_server, tmp_path
):
    _configure(
        default_processor="mlbackend",
        mlbackend_url=version_server,
        mlbackend_password="wrong",
        models_output_dir=str(tmp_path),
    )
    assert "refused" in _analytics_issues()["settings_app.W004"].msg


def test_answering_mlbackend_default_passes(
    settings_row, version_server, tmp_path, settings
):
    settings.FORESIGHT_MLBACKEND_PASSWORD = ML_PASSWORD  # from the environment
    _configure(
        default_processor="mlbackend",
        mlbackend_url=version_server,
        models_output_dir=str(tmp_path),
    )
    assert _analytics_issues() == {}


def test_other_default_processors_need_no_server(settings_row, tmp_path):
    _configure(models_output_dir=str(tmp_path))  # and no ML backend URL at all
    assert _analytics_issues() == {}


def test_check_before_migrate_does_not_crash(tmp_path):
    """A fresh database has no settings table yet: nothing to report, no traceback."""
    env = {**os.environ, "FORESIGHT_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--tag", "analytics"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "Traceback" not in result.stderr
