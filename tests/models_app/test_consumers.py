"""Predictions reach insights through the consumer insights registers: models_app
imports nothing from insights, and a run whose consumer fails is rolled back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from insights.consumers import predictions_store
from insights.models import Insight, Prediction
from models_app import consumers, synced_facts
from models_app.models import ModelLog, PredictSample
from models_app.services.running import Status, model_predict, model_train
from tests.models_app.running_site import (
    NOW,
    dropout_model,
    finished_course,
    running_course,
)

MODELS_APP = Path(__file__).resolve().parents[2] / "models_app"


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("above", ["insights", "moodlesync"])
def test_models_app_imports_nothing_from_the_apps_above_it(above):
    """ARCHITECTURE.md: apps depend downwards only (insights -> models_app); the
    app syncing from Moodle registers its hooks (models_app.synced_facts)."""
    offenders = sorted(
        f"{path.relative_to(MODELS_APP)}: {name}"
        for path in MODELS_APP.rglob("*.py")
        if not {"migrations", "tests"} & set(path.relative_to(MODELS_APP).parts)
        for name in _imported_modules(path)
        if name == above or name.startswith(f"{above}.")
    )
    assert offenders == []
    assert len(list(MODELS_APP.rglob("*.py"))) > 20  # the walk saw the app


def test_moodlesync_registers_its_hooks_when_the_app_is_ready():
    from moodlesync.activity_dates import SyncedActivityDates
    from moodlesync.locks import sync_wait

    assert isinstance(synced_facts.activity_dates_provider(), SyncedActivityDates)
    assert synced_facts._sync_wait == [sync_wait]


def test_insights_registers_its_consumer_when_the_app_is_ready():
    assert consumers._consumer == [predictions_store]


@pytest.fixture
def trained():
    for _ in range(2):
        finished_course()
    running = running_course()
    model = dropout_model()
    assert model_train(model=model, now=NOW).status == Status.OK
    return model, running


@pytest.fixture
def consumer_restored():
    saved = list(consumers._consumer)
    yield
    consumers._consumer[:] = saved


@pytest.mark.django_db
def test_a_failing_insights_routing_rolls_the_run_back(trained, monkeypatch):
    model, running = trained

    def routing_down(**kwargs):
        raise RuntimeError("insight routing is down")

    monkeypatch.setattr("insights.consumers.insights_generate", routing_down)
    failed = model_predict(model=model, now=NOW)

    assert failed.status == Status.FAILED
    assert "insight routing is down" in failed.message
    log = ModelLog.objects.get(pk=failed.log_id)
    assert log.result == ModelLog.Result.FAILED
    assert any("routing is down" in item["message"] for item in log.info)
    assert Prediction.objects.filter(model=model).exists() is False
    assert PredictSample.objects.filter(model=model).exists() is False

    monkeypatch.undo()
    again = model_predict(model=model, now=NOW)

    assert again.status == Status.OK and again.predictions > 0
    assert Prediction.objects.filter(model=model).count() == again.predictions
    assert Insight.objects.filter(model=model).exists() is True
    assert PredictSample.objects.filter(model=model, analysableid=running.pk).exists()


@pytest.mark.django_db
def test_without_a_consumer_a_run_fails_rather_than_drop_predictions(
    trained, consumer_restored
):
    model, _running = trained
    consumers._consumer.clear()

    failed = model_predict(model=model, now=NOW)

    assert failed.status == Status.FAILED
    assert "INSTALLED_APPS" in failed.message
    assert PredictSample.objects.filter(model=model).exists() is False


@pytest.mark.django_db
def test_another_consumer_receives_the_records_inside_the_transaction(
    trained, consumer_restored
):
    model, _running = trained
    received = []

    def count_only(*, model, records):
        received.extend(records)
        return len(records)

    consumers.predictions_consumer_register(count_only)
    outcome = model_predict(model=model, now=NOW)

    assert outcome.status == Status.OK
    assert outcome.predictions == len(received) > 0
    assert {r.prediction for r in received} == {1.0}
    assert all(not k.startswith("range/") for r in received for k in r.calculations)
    assert Prediction.objects.filter(model=model).exists() is False
