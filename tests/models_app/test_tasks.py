"""Celery tasks run in process (`task.apply()`), and the pages' run-now requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from access.models import Context
from config.celery import app as celery_app
from models_app.models import (
    AnalyticsModel,
    IndicatorCalculation,
    ModelLog,
    TrainSample,
)
from models_app.services.running import (
    RunNotAllowedFromWeb,
    model_evaluate_request,
    model_run_request,
    models_to_train,
    web_run_allowed,
)
from models_app.tasks import (
    analytics_cleanup_task,
    evaluate_model_task,
    predict_models_task,
    train_model_task,
    train_models_task,
)
from settings_app.models import AnalyticsSettings
from settings_app.selectors import AnalyticsDisabled
from tests.models_app.running_site import (
    NOW,
    dropout_model,
    finished_course,
    running_course,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    """Tasks queued by other tasks run in process too."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


def _settings(**values) -> None:
    AnalyticsSettings.load()
    AnalyticsSettings.objects.update(**values)


def test_train_model_task_returns_the_outcome():
    finished_course()
    finished_course()
    model = dropout_model()

    result = train_model_task.apply(args=[model.pk], kwargs={"now": NOW}).get()

    assert result["status"] == "ok"
    assert result["samples"] > 0
    assert ModelLog.objects.get(pk=result["log_id"]).result in {"ok", "warning"}


def test_a_task_for_an_unknown_model_says_so():
    result = train_model_task.apply(args=[987654]).get()

    assert result["status"] == "refused"
    assert "987654 does not exist" in result["message"]
    assert evaluate_model_task.apply(args=[987654]).get()["status"] == "refused"


def test_nightly_tasks_fan_out_one_task_per_enabled_model(eager):
    first, second = dropout_model(), dropout_model()
    dropout_model(enabled=False)

    result = train_models_task.apply().get()

    assert result["status"] == "ok"
    assert result["queued"] == [m.pk for m in models_to_train()]
    assert {first.pk, second.pk} <= set(result["queued"])
    # Each model ran on its own (nothing to learn from on an empty site).
    assert set(ModelLog.objects.values_list("model_id", flat=True)) == set(
        result["queued"]
    )


def test_nightly_tasks_do_nothing_when_analytics_is_disabled(eager, caplog):
    _settings(enabled=False)
    dropout_model(trained=True)

    assert predict_models_task.apply().get() == {"status": "disabled", "queued": []}
    assert train_models_task.apply().get()["status"] == "disabled"
    assert analytics_cleanup_task.apply().get() == {"status": "disabled"}
    assert not ModelLog.objects.exists()
    assert "Analytics is disabled" in caplog.text


def test_cleanup_deletes_expired_and_orphaned_calculations_and_samples():
    course = finished_course(students=1)
    model = dropout_model()
    context = Context.objects.first()
    fields = {"starttime": 0, "endtime": 1, "sampleorigin": "enrolment", "sampleid": 1}
    fresh = IndicatorCalculation.objects.create(
        contextid=context.pk, indicator="fresh", **fields
    )
    old = IndicatorCalculation.objects.create(
        contextid=context.pk, indicator="old", **fields
    )
    IndicatorCalculation.objects.filter(pk=old.pk).update(
        timecreated=timezone.now() - dt.timedelta(days=36)
    )
    IndicatorCalculation.objects.create(
        contextid=99_999_999, indicator="gone", **fields
    )
    TrainSample.objects.create(
        model=model, analysableid=course.pk, interval="quarters", sampleids=[1]
    )
    TrainSample.objects.create(
        model=model, analysableid=99_999_999, interval="quarters", sampleids=[1]
    )

    result = analytics_cleanup_task.apply().get()

    assert result == {
        "status": "ok",
        "expired_calculations": 1,
        "orphan_calculations": 1,
        "orphan_samples": 1,
    }
    assert list(IndicatorCalculation.objects.all()) == [fresh]
    assert list(TrainSample.objects.values_list("analysableid", flat=True)) == [
        course.pk
    ]


def test_only_from_the_command_line_blocks_web_runs_with_the_command_to_use():
    model = dropout_model()

    with pytest.raises(RunNotAllowedFromWeb) as refused:
        web_run_allowed(action="evaluate", model_id=model.pk)
    assert f"manage.py evaluate_model --modelid {model.pk}" in str(refused.value)
    with pytest.raises(RunNotAllowedFromWeb):
        model_run_request(model=model)

    _settings(only_cli=False)
    web_run_allowed(action="predict", model_id=model.pk)  # no exception
    _settings(enabled=False)
    with pytest.raises(AnalyticsDisabled):
        web_run_allowed(action="predict")


def test_run_now_from_a_page_trains_then_predicts_after_commit(
    eager, django_capture_on_commit_callbacks
):
    _settings(only_cli=False)
    finished_course()
    finished_course()
    running_course()
    model = dropout_model()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        model_run_request(model=model)
    assert len(callbacks) == 1
    assert not ModelLog.objects.exists()  # nothing before the commit

    # The site is analysed at the real current time here: the generated courses
    # are long finished, so training learns and prediction finds nothing running.
    callbacks[0]()
    kinds = set(ModelLog.objects.values_list("kind", "result"))
    assert (ModelLog.Kind.TRAINING, ModelLog.Result.WARNING) in kinds
    assert {kind for kind, _result in kinds} == {"training", "prediction"}
    assert AnalyticsModel.objects.get(pk=model.pk).trained is True


def test_evaluate_request_checks_options_before_queueing(
    django_capture_on_commit_callbacks,
):
    from models_app.services.running import EvaluationRefused

    _settings(only_cli=False)
    model = dropout_model()

    with pytest.raises(EvaluationRefused):
        model_evaluate_request(model=model, mode="trainedmodel")
    with django_capture_on_commit_callbacks() as callbacks:
        model_evaluate_request(model=model, interval="quarters")
    assert len(callbacks) == 1
