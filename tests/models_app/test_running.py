"""Training, prediction and evaluation runs of one model: results, log, lock, refusals."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from insights.models import Insight, Prediction
from models_app.models import (
    AnalyticsModel,
    ModelLock,
    ModelLog,
    PredictSample,
    TrainSample,
    UsedAnalysable,
)
from models_app.services.locks import model_lock_acquire
from models_app.services.running import (
    Status,
    model_evaluate,
    model_predict,
    model_train,
    models_to_predict,
    models_to_train,
)
from models_app.services.running.common import model_storage
from settings_app.models import AnalyticsSettings
from tests.models_app.running_site import (
    NOW,
    dropout_model,
    finished_course,
    running_course,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return [finished_course(), finished_course(), running_course()]


def _state_files(model: AnalyticsModel) -> dict[str, bytes]:
    """The trained model's live files, as the builtin processor stores them."""
    model_id, output_dir = model_storage(model)
    folder = Path(output_dir) / model_id / "model"
    current = (folder / "CURRENT").read_text().strip()
    return {p.name: p.read_bytes() for p in (folder / current).iterdir()}


def _settings(**values) -> None:
    row = AnalyticsSettings.load()
    AnalyticsSettings.objects.filter(pk=row.pk).update(**values)


def test_train_then_predict_stores_confident_predictions_and_insights(site):
    finished_a, finished_b, running = site
    model = dropout_model()

    trained = model_train(model=model, now=NOW)

    assert trained.status == Status.OK
    model.refresh_from_db()
    assert model.trained is True
    log = ModelLog.objects.get(pk=trained.log_id)
    assert (log.kind, log.result) == (ModelLog.Kind.TRAINING, ModelLog.Result.WARNING)
    assert log.analysables == 3 and log.samples == trained.samples > 0
    assert log.timefinished is not None and log.details["stage"] == "finished"
    # The running course is reported as not valid for training, by name.
    assert any(running.shortname in item["message"] for item in log.info)
    used = {row.analysableid for row in TrainSample.objects.filter(model=model)}
    assert used == {finished_a.pk, finished_b.pk}
    assert _state_files(model)

    predicted = model_predict(model=model, now=NOW)

    assert predicted.status == Status.OK
    stored = list(Prediction.objects.filter(model=model))
    assert len(stored) == predicted.predictions > 0
    # Only the students inactive in the current quarter are flagged (class 1, the
    # class not ignored), confidently, in the course's context.
    assert {p.prediction for p in stored} == {1.0}
    assert all(p.predictionscore >= 0.6 for p in stored)
    assert {p.context.instanceid for p in stored} == {running.pk}
    first = stored[0]
    assert first.calculations["any_course_access"] == -1.0
    assert not any(key.startswith("range/") for key in first.calculations)
    assert first.timestart < first.timeend
    assert Insight.objects.filter(model=model, context=first.context).exists()
    assert PredictSample.objects.filter(model=model, analysableid=running.pk).exists()


def test_runs_do_only_new_work(site):
    model = dropout_model()
    model_train(model=model, now=NOW)
    model_predict(model=model, now=NOW)
    predictions = Prediction.objects.count()

    again = model_train(model=model, now=NOW)
    predicted_again = model_predict(model=model, now=NOW)

    assert again.status == Status.NOTHING
    assert TrainSample.objects.filter(model=model).count() == 2
    assert predicted_again.status == Status.NOTHING
    assert Prediction.objects.count() == predictions


def test_a_failing_training_keeps_the_previous_trained_model(site, monkeypatch):
    model = dropout_model()
    model_train(model=model, now=NOW)
    before = _state_files(model)
    finished_course()  # new samples for the next run

    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    # The processor writes the new state, then crashes before switching to it.
    monkeypatch.setattr("mlbackend.engine.storage.os.replace", crash)
    outcome = model_train(model=model, now=NOW)

    assert outcome.status == Status.FAILED
    assert "disk on fire" in outcome.message
    log = ModelLog.objects.get(pk=outcome.log_id)
    assert log.result == ModelLog.Result.FAILED
    assert log.info[-1] == {"level": "error", "message": "disk on fire"}
    monkeypatch.undo()
    assert _state_files(model) == before
    # The new course's samples were not recorded as used: the next run takes them.
    assert TrainSample.objects.filter(model=model).count() == 2
    assert not ModelLock.objects.filter(model=model).exists()
    assert model_train(model=model, now=NOW).status == Status.OK
    assert TrainSample.objects.filter(model=model).count() == 3


def test_time_limit_leaves_analysables_for_the_next_run(site):
    _settings(model_time_limit=0)
    model = dropout_model()

    first = model_train(model=model, now=NOW, chunk_size=1)

    log = ModelLog.objects.get(pk=first.log_id)
    assert log.details["timed_out"] is True
    assert first.analysables == 1
    analysed = set(UsedAnalysable.objects.values_list("analysableid", flat=True))
    second = model_train(model=model, now=NOW, chunk_size=1)
    assert second.analysables == 1
    analysed_after = set(UsedAnalysable.objects.values_list("analysableid", flat=True))
    # The next run starts with one analysable the first run did not reach.
    assert len(analysed_after - analysed) == 1


def test_analytics_disabled_returns_at_once_without_a_log(site, caplog):
    _settings(enabled=False)
    model = dropout_model()

    outcomes = [
        model_train(model=model, now=NOW),
        model_predict(model=model, now=NOW),
        model_evaluate(model=model, interval="quarters", now=NOW),
    ]

    assert {o.status for o in outcomes} == {Status.DISABLED}
    assert "Analytics is disabled" in outcomes[0].message
    assert "Analytics is disabled" in caplog.text
    assert not ModelLog.objects.exists()
    model.refresh_from_db()
    assert model.trained is False


def test_a_locked_model_is_left_with_a_line_in_its_log():
    model = dropout_model()
    assert model_lock_acquire(
        model=model, owner="other-host:1:abc", ttl=timedelta(minutes=5)
    )

    outcome = model_train(model=model, now=NOW)

    assert outcome.status == Status.LOCKED
    log = ModelLog.objects.get(pk=outcome.log_id)
    assert log.result == ModelLog.Result.SKIPPED
    assert "other-host:1:abc" in log.info[0]["message"]
    assert ModelLock.objects.get(model=model).owner == "other-host:1:abc"


def test_predicting_without_a_trained_model_is_refused_plainly():
    model = dropout_model()

    outcome = model_predict(model=model, now=NOW)

    assert outcome.status == Status.REFUSED
    assert f"train_models --modelid {model.pk}" in outcome.message
    log = ModelLog.objects.get(pk=outcome.log_id)
    assert log.result == ModelLog.Result.FAILED
    assert not ModelLock.objects.exists()


def test_a_processor_that_is_not_ready_refuses_the_run():
    _settings(default_processor="mlbackend", mlbackend_url="")
    model = dropout_model()

    outcome = model_train(model=model, now=NOW)

    assert outcome.status == Status.REFUSED
    assert "not ready" in outcome.message


def test_disabled_model_and_model_without_interval_are_refused():
    disabled = dropout_model(enabled=False)
    no_interval = dropout_model(interval="")

    assert "enable_model --modelid" in model_train(model=disabled).message
    outcome = model_train(model=no_interval)
    assert outcome.status == Status.REFUSED
    assert "interval" in outcome.message


def test_rule_based_models_need_no_training():
    model = AnalyticsModel.objects.create(
        target="no_teaching",
        indicators=["no_teacher", "no_student"],
        interval="upcoming_week",
        enabled=True,
    )

    outcome = model_train(model=model)

    assert outcome.status == Status.NOTHING
    model.refresh_from_db()
    assert model.trained is True
    assert not ModelLog.objects.exists()
    assert model not in models_to_train()
    assert model in models_to_predict()


def test_fan_out_lists_only_enabled_models():
    enabled = dropout_model()
    disabled = dropout_model(enabled=False)
    trained = dropout_model(trained=True)
    mine = {enabled, disabled, trained}

    # Other models (Moodle's defaults, installed by a migration) may be listed too.
    assert [m for m in models_to_train() if m in mine] == [enabled, trained]
    assert [m for m in models_to_predict() if m in mine] == [trained]


def test_evaluation_records_progress_and_reuses_its_data(site, monkeypatch):
    model = dropout_model(enabled=False)

    outcome = model_evaluate(model=model, interval="quarters", now=NOW)

    assert outcome.status == Status.OK
    [result] = outcome.results
    assert result["interval"] == "quarters" and 0 <= result["score"] <= 1
    log = ModelLog.objects.get(pk=outcome.log_id)
    assert log.kind == ModelLog.Kind.EVALUATION
    assert log.details["progress"] == {"done": 1, "total": 1, "current": ""}
    assert log.score == result["score"]

    def no_analysis(**kwargs):
        raise AssertionError("the saved evaluation data should have been reused")

    monkeypatch.setattr(
        "models_app.services.running.evaluation.dataset_build", no_analysis
    )
    reused = model_evaluate(model=model, interval="quarters", now=NOW)
    assert reused.results[0]["samples"] == result["samples"]


def test_trained_model_evaluation_needs_a_trained_model():
    model = dropout_model()

    outcome = model_evaluate(model=model, mode="trainedmodel")

    assert outcome.status == Status.REFUSED
    assert "not been trained" in outcome.message


def test_a_dead_runs_log_is_closed_by_the_next_run():
    from models_app.services.logs import model_log_start

    model = dropout_model()
    dead = model_log_start(model=model, kind=ModelLog.Kind.TRAINING)

    model_train(model=model, now=NOW)

    dead.refresh_from_db()
    assert dead.result == ModelLog.Result.FAILED
    assert dead.timefinished is not None
    assert "stopped without finishing" in dead.info[-1]["message"]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_a_long_runs_lock_alive(settings):
    import time

    from django.utils import timezone

    from models_app.services.running.heartbeat import model_run_lock

    settings.FORESIGHT_MODEL_LOCK_TTL = 0.9
    model = dropout_model()

    with model_run_lock(model=model) as held:
        time.sleep(2.5)  # well past the TTL
        assert ModelLock.objects.get(model=model).expires > timezone.now()
        assert held.lost is False
        assert not model_lock_acquire(
            model=model, owner="other", ttl=timedelta(minutes=1)
        )
    assert not ModelLock.objects.filter(model=model).exists()


def test_a_new_student_without_events_does_not_fail_the_next_prediction_run(site):
    """Issue 13.1: after a first prediction, the next run analyses only what is new,
    here one student enrolled since, with no event; every default indicator must
    cope with that chunk (it failed with IndexError in the inquiry indicators)."""
    from models_app.defaults import DEFAULT_MODELS
    from tests.fixtures.analysis_site import DAY, activity, student

    finished_a, finished_b, running = site
    for c in (finished_a, finished_b, running):
        activity(c, "forum", section=1)
        activity(c, "assign", section=2, due=int(c.startdate.timestamp()) + 5 * DAY)
    dropout = next(m for m in DEFAULT_MODELS if m.key == "course_dropout")
    model = dropout_model(
        indicators=list(dropout.indicators), interval="quarters_accum"
    )
    assert model_train(model=model, now=NOW).status == Status.OK
    assert model_predict(model=model, now=NOW).status in (Status.OK, Status.NOTHING)
    newcomer = student(running, timestart=NOW - 2 * DAY)

    again = model_predict(model=model, now=NOW)

    assert again.status in (Status.OK, Status.NOTHING), again
    assert ModelLog.objects.filter(model=model).latest("pk").result in (
        ModelLog.Result.OK,
        ModelLog.Result.WARNING,
    )
    predicted = {
        sample
        for row in PredictSample.objects.filter(model=model, analysableid=running.pk)
        for sample in row.sampleids
    }
    assert newcomer.pk in predicted


def test_training_uses_the_estimator_the_model_names(site):
    """The estimator chosen on the models page is the one the nightly run fits."""
    import json

    model = dropout_model()
    AnalyticsModel.objects.filter(pk=model.pk).update(estimator="gradient_boosting")
    model.refresh_from_db()

    assert model_train(model=model, now=NOW).status == Status.OK

    meta = json.loads(_state_files(model)["meta.json"])
    assert meta["estimator"] == "gradient_boosting"


def test_an_indicator_listed_twice_trains_and_predicts_with_the_same_columns(site):
    """Written past the validator (the ORM, an old import), a key listed twice
    counts once in training and in prediction alike."""
    from tests.models_app.running_site import INDICATORS

    model = dropout_model(indicators=[*INDICATORS, INDICATORS[0]])

    assert model_train(model=model, now=NOW).status == Status.OK
    predicted = model_predict(model=model, now=NOW)

    assert predicted.status == Status.OK, predicted.message
    assert predicted.predictions > 0


def test_the_model_validator_refuses_an_indicator_listed_twice():
    from django.core.exceptions import ValidationError

    from models_app.models import IndicatorKeysValidator

    with pytest.raises(ValidationError, match="read_actions appear more than once"):
        IndicatorKeysValidator()(["read_actions", "any_course_access", "read_actions"])
    IndicatorKeysValidator()(["read_actions", "any_course_access"])
