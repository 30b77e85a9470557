"""`manage.py evaluate_model` runs the checks of what an evaluation uses, no others."""

from __future__ import annotations

import io

import pytest
from django.core.checks import Error
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from settings_app.models import AnalyticsSettings

pytestmark = pytest.mark.django_db


def _evaluate_list() -> str:
    err = io.StringIO()
    call_command(
        "evaluate_model", "--list", skip_checks=False, stdout=io.StringIO(), stderr=err
    )
    return err.getvalue()


@pytest.fixture
def broken_code_check():
    """A failing check of the code (untagged), as a broken model definition gives."""

    def broken(app_configs=None, **kwargs):
        return [Error("A broken model definition.", id="tests.E001")]

    registry.register(broken)
    yield
    registry.registered_checks.discard(broken)


def test_a_bad_models_output_directory_is_still_reported(tmp_path):
    a_file = tmp_path / "models"
    a_file.write_text("x")
    AnalyticsSettings.load()
    AnalyticsSettings.objects.update(models_output_dir=str(a_file))

    assert "settings_app.W002" in _evaluate_list()


def test_the_codes_checks_are_left_to_manage_py_check(broken_code_check):
    with pytest.raises(SystemCheckError, match="tests.E001"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    assert "tests.E001" not in _evaluate_list()
