"""The demo's setup: a worker and beat on the embedded (filesystem) broker, no server.

Beat reads the schedule from the database (django-celery-beat) and sends through
the broker folders under FORESIGHT_DATA_DIR; the worker runs what it sends. A
"Predict models" run triggered this way leaves predictions on a generated site.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from insights.models import Prediction
from models_app.models import AnalyticsModel, ModelLog
from tests.integration.celery_worker import Worker, wait_for, worker_env

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


def test_beat_and_worker_on_the_embedded_broker_leave_predictions(tmp_path, settings):
    from lms.generator import site_config_build, site_generate

    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    # The demo's own site (bin/demo: preset demo, seed 1), around today.
    site_generate(config=site_config_build(preset="demo", seed=1, now=today))
    # Moodle's default models, installed by migrate: the rule-based ones are
    # enabled and trained from the start, as on the demo site.
    models = [
        model
        for model in AnalyticsModel.objects.filter(enabled=True, trained=True)
        if model.target in {"no_access_since_course_start", "no_recent_accesses"}
    ]
    assert len(models) == 2, list(AnalyticsModel.objects.values("target", "enabled"))
    # "Run now": the nightly task, due every second, once.
    every_second, _created = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(
        name="Predict models now",
        task="models_app.tasks.predict_models_task",
        interval=every_second,
        one_off=True,
    )
    env = worker_env(broker="filesystem://")
    env.pop("CELERY_BROKER_URL")  # the default: the embedded broker
    worker = Worker(name="demo", env=env, log=tmp_path / "worker.log")
    beat = Worker(name="beat", env=env, log=tmp_path / "beat.log", beat=True)
    try:
        worker.wait_ready()
        beat.wait_ready()
        wait_for(
            lambda: (
                ModelLog.objects.filter(
                    model__in=models, kind="prediction", timefinished__isnull=False
                ).count()
                == len(models)
            ),
            timeout=120,
            what="both models' prediction runs",
        )
    except AssertionError:
        print(worker.output(), beat.output())
        raise
    finally:
        beat.stop()
        worker.stop()

    logs = [(log.result, log.samples, log.info) for log in ModelLog.objects.all()]
    assert Prediction.objects.filter(model__in=models).exists(), logs
    broker_folder = settings.FORESIGHT_DATA_DIR / "broker" / "queue"
    assert broker_folder.is_dir()
