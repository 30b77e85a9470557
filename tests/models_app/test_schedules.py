"""The nightly schedule rows: created by migrate, never overwritten by it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

pytestmark = pytest.mark.django_db(transaction=True)

EXPECTED = {
    "Train models": ("models_app.tasks.train_models_task", "0", "1"),
    "Predict models": ("models_app.tasks.predict_models_task", "0", "3"),
    "Analytics cleanup": ("models_app.tasks.analytics_cleanup_task", "42", "*"),
}


def _rows() -> dict[str, tuple[str, str, str]]:
    return {
        task.name: (task.task, task.crontab.minute, task.crontab.hour)
        for task in PeriodicTask.objects.filter(name__in=EXPECTED).select_related(
            "crontab"
        )
    }


def _remigrate() -> None:
    """Run the schedule migration again, as a second `manage.py migrate` would."""
    call_command("migrate", "models_app", "0001", verbosity=0)
    call_command("migrate", "models_app", verbosity=0)


@pytest.fixture(autouse=True)
def _migrated():
    # Transactional tests empty every table between tests; start from what
    # migrate leaves behind.
    _remigrate()


def test_migrate_creates_the_schedule_rows():
    assert _rows() == EXPECTED
    for task in PeriodicTask.objects.filter(name__in=EXPECTED):
        assert task.enabled is True
        assert task.description  # the time in words, beside the crontab


def test_admin_edits_survive_a_second_migrate():
    train = PeriodicTask.objects.get(name="Train models")
    train.crontab = CrontabSchedule.objects.create(minute="30", hour="22")
    train.save()
    predict = PeriodicTask.objects.get(name="Predict models")
    predict.enabled = False
    predict.save()

    _remigrate()

    train.refresh_from_db()
    predict.refresh_from_db()
    assert (train.crontab.minute, train.crontab.hour) == ("30", "22")
    assert predict.enabled is False
    assert PeriodicTask.objects.filter(name__in=EXPECTED).count() == 3


def test_a_deleted_row_is_created_again_by_migrate():
    PeriodicTask.objects.filter(name="Analytics cleanup").delete()
    _remigrate()
    assert _rows()["Analytics cleanup"] == EXPECTED["Analytics cleanup"]
