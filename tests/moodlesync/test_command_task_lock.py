"""The command, the scheduled task, the lock that makes analysis wait, and the
system checks."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from lms.models import Course
from models_app.services.running import model_train
from moodlesync.checks import moodle_connection_check
from moodlesync.locks import sync_lock_acquire, sync_lock_release, sync_wait
from moodlesync.models import SyncLock, SyncState
from moodlesync.services import SyncRefused, moodle_sync
from moodlesync.tasks import moodle_sync_task
from tests.models_app.running_site import dropout_model

pytestmark = pytest.mark.django_db


def test_dry_run_reads_everything_and_writes_nothing(moodle_pg, use_moodle):
    use_moodle(moodle_pg)
    out = StringIO()
    call_command("sync_moodle", "--dry-run", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["dry_run"] is True
    assert report["parts"]["courses"]["counts"]["created"] == 4
    assert report["parts"]["log"]["counts"]["read"] == 41062
    assert not Course.objects.exists()
    assert not SyncState.objects.exists()


def test_only_syncs_the_parts_named(moodle_pg, use_moodle, django_user_model):
    use_moodle(moodle_pg)
    out = StringIO()
    call_command("sync_moodle", "--only", "users", stdout=out)
    assert "users: rows 362, created 362" in out.getvalue()
    assert list(SyncState.objects.values_list("part", flat=True)) == ["users"]
    assert not Course.objects.exists()
    with pytest.raises(CommandError, match="Unknown part.*The parts are: categories"):
        call_command("sync_moodle", "--only", "users,everything")


def test_the_schedule_runs_the_task_every_15_minutes():
    task = PeriodicTask.objects.get(name="Sync from Moodle")
    assert task.task == moodle_sync_task.name
    assert (task.crontab.minute, task.crontab.hour) == ("*/15", "*")
    assert task.enabled is True


def test_the_task_reports_a_refused_sync(settings):
    settings.MOODLE_DATABASE_URL = "postgres://moodle@127.0.0.1:1/moodle"
    result = moodle_sync_task.apply().get()
    assert result["ok"] is False
    assert "Cannot connect" in result["message"]


def test_one_sync_at_a_time(moodle_pg, use_moodle):
    use_moodle(moodle_pg)
    assert sync_lock_acquire(owner="another worker") is True
    try:
        with pytest.raises(SyncRefused, match="Another sync from Moodle is running"):
            moodle_sync(only="users")
    finally:
        sync_lock_release(owner="another worker")
    assert moodle_sync(only="users").ok is True


def test_analysis_waits_for_a_running_sync(settings):
    """A model run leaves while a sync holds the lock past the wait; once the
    sync is over, sync_wait returns at once."""
    settings.MOODLE_SYNC_WAIT = 0
    model = dropout_model()
    assert sync_lock_acquire(owner="sync") is True
    try:
        outcome = model_train(model=model, now=1796079600)
        assert outcome.status == "locked"
        assert "A sync from Moodle is running" in outcome.message
    finally:
        sync_lock_release(owner="sync")
    assert model_train(model=model, now=1796079600).status != "locked"


def test_sync_wait_waits_for_a_live_lock_only():
    """A live lock keeps analysis waiting (here: until the timeout); the lock of a
    sync that died (expired) does not."""
    assert sync_lock_acquire(owner="sync") is True
    started = time.monotonic()
    assert sync_wait(timeout=0.3, poll=0.1) is False
    assert time.monotonic() - started >= 0.3
    SyncLock.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert sync_wait(timeout=10, poll=0.1) is True
    assert sync_lock_acquire(owner="next sync") is True  # takes the dead one over


def test_system_checks_explain_a_bad_connection(moodle_db, settings):
    settings.MOODLE_DATABASE_URL = ""
    assert moodle_connection_check(databases=["default"]) == []
    settings.MOODLE_DATABASE_URL = moodle_db.url
    settings.MOODLE_DB_PREFIX = "mdl_"
    assert moodle_connection_check(databases=["default"]) == []
    settings.MOODLE_DB_PREFIX = "m44_"
    (error,) = moodle_connection_check(databases=["default"])
    assert error.id == "moodlesync.E003" and "No Moodle tables with prefix" in error.msg
    settings.MOODLE_DATABASE_URL = "ftp://x/y"
    (error,) = moodle_connection_check(databases=["default"])
    assert error.id == "moodlesync.E001"
    settings.MOODLE_DATABASE_URL = moodle_db.url.replace(":3306/", ":1/").replace(
        ":5432/", ":1/"
    )
    (error,) = moodle_connection_check(databases=["default"])
    assert error.id == "moodlesync.E002"
