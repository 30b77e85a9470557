"""train_models, predict_models, evaluate_model and enable_model: options, exit codes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from models_app.models import AnalyticsModel, ModelLog
from settings_app.models import AnalyticsSettings
from tests.integration.celery_worker import manage, worker_env
from tests.models_app.running_site import NOW, dropout_model, finished_course


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _settings(**values) -> None:
    AnalyticsSettings.load()
    AnalyticsSettings.objects.update(**values)


@pytest.mark.django_db
def test_commands_refuse_when_analytics_is_disabled():
    _settings(enabled=False)
    for command in ("train_models", "predict_models", "enable_model"):
        with pytest.raises(CommandError, match="Analytics is disabled"):
            _run(command, "--list") if command == "enable_model" else _run(command)
    with pytest.raises(CommandError, match="Analytics > Analytics settings"):
        _run("evaluate_model", "--list")


@pytest.mark.django_db
def test_unknown_model_id_is_an_error_naming_the_id():
    for command in ("train_models", "predict_models", "evaluate_model"):
        with pytest.raises(CommandError, match="no analytics model with id 424242"):
            _run(command, "--modelid", "424242")


@pytest.mark.django_db
def test_one_failing_model_does_not_stop_the_others():
    finished_course()
    finished_course()
    broken = AnalyticsModel.objects.create(
        target="no_such_target",
        indicators=["read_actions"],
        interval="quarters",
        enabled=True,
    )
    good = dropout_model()

    with pytest.raises(CommandError, match=f"Could not train model\\(s\\) {broken.pk}"):
        _run("train_models", "--now", str(NOW))

    good.refresh_from_db()
    assert good.trained is True
    assert ModelLog.objects.get(model=broken).result == ModelLog.Result.FAILED


@pytest.mark.django_db
def test_predict_without_training_exits_with_the_command_to_run():
    model = dropout_model()

    err = io.StringIO()
    with pytest.raises(CommandError, match="Could not predict"):
        call_command(
            "predict_models",
            "--modelid",
            str(model.pk),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert f"train_models --modelid {model.pk}" in err.getvalue()


@pytest.mark.django_db
def test_train_models_with_nothing_enabled_succeeds_quietly():
    dropout_model(enabled=False)

    out, _err = _run("train_models")

    assert "No enabled model to train" in out


@pytest.mark.django_db
def test_enable_model_lists_and_enables_with_moodles_interval_name():
    model = dropout_model(enabled=False, trained=True)

    listing, _err = _run("enable_model", "--list")
    assert f"{model.pk}  {model}  (Disabled, trained" in listing

    out, _err = _run(
        "enable_model",
        "--modelid",
        str(model.pk),
        "--analysisinterval",
        "\\core\\analytics\\time_splitting\\single_range",
    )

    model.refresh_from_db()
    assert model.enabled is True and model.interval == "single_range"
    # A new interval: what the model learnt before no longer applies.
    assert model.trained is False and model.version > 1
    assert "enabled" in out
    with pytest.raises(CommandError, match="Unknown analysis interval"):
        _run("enable_model", "--modelid", str(model.pk), "--analysisinterval", "x")


@pytest.mark.django_db
def test_evaluate_model_prints_json_results():
    finished_course()
    model = dropout_model(enabled=False)

    out, _err = _run(
        "evaluate_model",
        "--modelid",
        str(model.pk),
        "--analysisinterval",
        "quarters",
        "--non-interactive",
        "--json",
        "--now",
        str(NOW),
        "--reuse-prev-analysed",
        "false",
    )

    data = json.loads(out)
    assert data["model_id"] == model.pk
    assert [r["interval"] for r in data["results"]] == ["quarters"]
    assert isinstance(data["results"][0]["score"], float)
    model.refresh_from_db()
    assert model.enabled is False  # non-interactive: nothing offered


@pytest.mark.django_db
def test_evaluate_model_rejects_an_interval_with_trainedmodel_mode():
    model = dropout_model(trained=True)

    with pytest.raises(CommandError, match="own analysis interval"):
        _run(
            "evaluate_model",
            "--modelid",
            str(model.pk),
            "--mode",
            "trainedmodel",
            "--analysisinterval",
            "quarters",
        )
    with pytest.raises(CommandError, match="--modelid"):
        _run("evaluate_model")


@pytest.mark.django_db(transaction=True)
def test_exit_codes_from_the_shell():
    """manage.py in a subprocess on the test database: 0 on success, 1 on failure."""
    model = dropout_model(enabled=False)
    env = worker_env(broker="memory://")

    listed = manage("enable_model", "--list", env=env)
    missing = manage("train_models", "--modelid", "424242", env=env)

    assert listed.returncode == 0, listed.stderr
    assert f"{model.pk}  {model}  (Disabled" in listed.stdout
    assert missing.returncode == 1
    assert "no analytics model with id 424242" in missing.stderr


@pytest.mark.django_db(transaction=True)
def test_queueing_with_an_unreachable_broker_fails_plainly():
    env = worker_env(broker="redis://127.0.0.1:1/0")  # nothing listens on port 1

    queued = manage("predict_models", "--queue", env=env)

    assert queued.returncode == 1
    assert "The task queue cannot be reached" in queued.stderr
    assert "run the command without --queue" in queued.stderr
    assert "Traceback" not in queued.stderr
