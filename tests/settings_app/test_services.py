"""Saving settings: validation, the audit trail, clearing models on a new processor."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from access.models import Context, ContextLevel
from insights.models import Prediction
from models_app.models import AnalyticsModel, PredictSample, TrainSample, UsedAnalysable
from models_app.plugins.processors import model_unique_id
from settings_app import hooks, selectors
from settings_app.models import AnalyticsSettings, SettingChange, SiteInformation
from settings_app.services import (
    analytics_settings_update,
    site_information_update,
)


def _model(*, target: str = "fake_learned", processor: str = "") -> AnalyticsModel:
    model = AnalyticsModel.objects.create(
        target=target, processor=processor, trained=True, version=100, enabled=True
    )
    context, _created = Context.objects.get_or_create(
        contextlevel=ContextLevel.SYSTEM, instanceid=0, defaults={"path": "/1"}
    )
    Prediction.objects.create(
        model=model,
        context=context,
        sampleid=1,
        rangeindex=0,
        prediction=1,
        predictionscore=0.9,
    )
    PredictSample.objects.create(
        model=model, analysableid=1, interval="quarters", rangeindex=0, sampleids=[1]
    )
    TrainSample.objects.create(
        model=model, analysableid=1, interval="quarters", sampleids=[1]
    )
    UsedAnalysable.objects.create(
        model=model, action="training", analysableid=1, firstanalysis=1, timeanalysed=1
    )
    return model


def test_every_changed_setting_is_audited_with_who_old_and_new(
    settings_row, django_user_model
):
    admin = django_user_model.objects.create(username="auditor")

    result = analytics_settings_update(
        values={
            "only_cli": False,
            "evaluation_intervals": ["quarters"],
            "model_time_limit": 600,
            "calc_lifetime": 35,  # unchanged: not recorded
        },
        user=admin,
    )

    rows = {row.setting: row for row in SettingChange.objects.all()}
    assert set(rows) == {"only_cli", "evaluation_intervals", "model_time_limit"}
    assert [change.setting for change in result.changes] == sorted(rows)
    assert rows["only_cli"].old_value == "true"
    assert rows["only_cli"].new_value == "false"
    assert json.loads(rows["evaluation_intervals"].old_value) == [
        "quarters_accum",
        "quarters",
        "single_range",
    ]
    assert json.loads(rows["evaluation_intervals"].new_value) == ["quarters"]
    assert rows["model_time_limit"].new_value == "600"
    assert all(row.user == admin for row in rows.values())
    assert all(row.section == "analyticssettings" for row in rows.values())
    assert all(row.timecreated is not None for row in rows.values())


def test_secrets_are_audited_as_changed_without_their_value(settings_row):
    analytics_settings_update(
        values={"mlbackend_password": "first-secret"}, validate=False
    )
    analytics_settings_update(
        values={"mlbackend_password": "second-secret"}, validate=False
    )

    rows = list(SettingChange.objects.filter(setting="mlbackend_password"))
    assert len(rows) == 2
    for row in rows:
        assert row.old_value == ""
        assert row.new_value == "(changed)"
        assert "secret" not in row.old_value + row.new_value


@pytest.mark.django_db
def test_site_information_changes_are_audited_in_their_own_section():
    site_information_update(
        values={"mode_of_instruction": ["blendedhybrid"], "percent_online": 40}
    )

    assert SiteInformation.load().percent_online == 40
    rows = {row.setting: row for row in SettingChange.objects.all()}
    assert rows["percent_online"].new_value == "40"
    assert rows["mode_of_instruction"].new_value == '["blendedhybrid"]'
    assert {row.section for row in rows.values()} == {"analyticssite"}


@pytest.mark.django_db
def test_bad_percentage_keeps_the_previous_site_information():
    site_information_update(values={"percent_online": 30})
    with pytest.raises(ValidationError):
        site_information_update(values={"percent_online": 130})
    assert SiteInformation.load().percent_online == 30
    assert SettingChange.objects.count() == 1


def test_output_directory_that_cannot_be_created_keeps_previous_values(
    settings_row, tmp_path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    with pytest.raises(ValidationError) as error:
        analytics_settings_update(
            values={"models_output_dir": str(blocker / "models"), "only_cli": False}
        )

    assert "cannot be created" in error.value.message_dict["models_output_dir"][0]
    assert AnalyticsSettings.load().only_cli is True
    assert AnalyticsSettings.load().models_output_dir == ""
    assert SettingChange.objects.count() == 0


def test_output_directory_that_is_not_writable_is_refused(settings_row):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(values={"models_output_dir": "/proc"})
    assert "not writable" in error.value.message_dict["models_output_dir"][0]


def test_relative_output_directory_is_refused(settings_row):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(values={"models_output_dir": "models"})
    assert "absolute" in error.value.message_dict["models_output_dir"][0]


def test_new_output_directory_is_created(settings_row, tmp_path):
    target = tmp_path / "shared" / "models"
    analytics_settings_update(values={"models_output_dir": str(target)})
    assert target.is_dir()
    assert list(target.iterdir()) == []  # the write test left nothing behind
    assert selectors.models_output_dir() == target


def test_processor_that_is_not_ready_is_refused_with_its_reason(settings_row):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(values={"default_processor": "fake_broken"})

    message = error.value.message_dict["default_processor"][0]
    assert "not ready" in message
    assert "The fake engine is switched off." in message
    assert AnalyticsSettings.load().default_processor == "fake_ready"


def test_unregistered_processor_is_refused(settings_row):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(values={"default_processor": "nope"})
    assert "not a registered" in error.value.message_dict["default_processor"][0]


def test_unreachable_ml_server_is_refused(settings_row, closed_port_url):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(
            values={"default_processor": "mlbackend", "mlbackend_url": closed_port_url}
        )
    assert "does not answer" in error.value.message_dict["default_processor"][0]
    assert AnalyticsSettings.load().mlbackend_url == ""


def test_wrong_ml_credentials_are_refused(settings_row, version_server):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(
            values={
                "default_processor": "mlbackend",
                "mlbackend_url": version_server,
                "mlbackend_password": "wrong",
            }
        )
    assert "refused the username or password" in str(error.value)


def test_ml_server_answering_with_the_new_credentials_is_accepted(
    settings_row, version_server
):
    from tests.fixtures.ml_server import ML_PASSWORD

    analytics_settings_update(
        values={
            "default_processor": "mlbackend",
            "mlbackend_url": version_server,
            "mlbackend_password": ML_PASSWORD,
        }
    )
    assert AnalyticsSettings.load().default_processor == "mlbackend"


def test_changing_ml_credentials_rechecks_the_current_mlbackend_default(
    settings_row, version_server
):
    from tests.fixtures.ml_server import ML_PASSWORD

    AnalyticsSettings.objects.filter(pk=1).update(
        default_processor="mlbackend",
        mlbackend_url=version_server,
        mlbackend_password=ML_PASSWORD,
    )
    with pytest.raises(ValidationError):
        analytics_settings_update(values={"mlbackend_password": "typo"})
    assert AnalyticsSettings.load().mlbackend_password == ML_PASSWORD


def test_evaluation_intervals_that_cannot_be_evaluated_are_refused(settings_row):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(values={"evaluation_intervals": ["upcoming_week"]})
    assert "upcoming_week" in error.value.message_dict["evaluation_intervals"][0]


def test_empty_intervals_with_nothing_to_fall_back_to_are_refused(
    settings_row, monkeypatch
):
    monkeypatch.setitem(hooks._hooks, "evaluation_interval_choices", lambda: [])
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(values={"evaluation_intervals": []})
    assert "nothing to fall back to" in str(error.value)


def test_new_default_processor_clears_the_models_that_use_the_default(
    settings_row, django_capture_on_commit_callbacks
):
    follower = _model()
    rule_based = _model(target="fake_rule_based")
    own_processor = _model(processor="fake_other")

    with django_capture_on_commit_callbacks(execute=True):
        result = analytics_settings_update(values={"default_processor": "fake_other"})

    assert result.models_cleared == 2
    follower.refresh_from_db()
    rule_based.refresh_from_db()
    own_processor.refresh_from_db()
    assert follower.trained is False
    assert rule_based.trained is True  # rule-based models need no training
    assert follower.version > 100 and rule_based.version > 100
    for cleared in (follower, rule_based):
        assert not Prediction.objects.filter(model=cleared).exists()
        assert not PredictSample.objects.filter(model=cleared).exists()
        assert not TrainSample.objects.filter(model=cleared).exists()
        assert not UsedAnalysable.objects.filter(model=cleared).exists()
    # The old processor removed what it stored for their old versions, on commit.
    assert sorted(settings_row_cleared()) == sorted(
        model_unique_id(model_pk=model.pk, version=100)
        for model in (follower, rule_based)
    )
    # A model with its own processor keeps everything.
    assert own_processor.trained is True and own_processor.version == 100
    assert Prediction.objects.filter(model=own_processor).count() == 1
    assert TrainSample.objects.filter(model=own_processor).count() == 1


def settings_row_cleared() -> list[str]:
    from tests.fixtures.fake_processors import ReadyProcessor

    return list(ReadyProcessor.cleared)


def test_failed_clearing_keeps_the_previous_processor_and_models(settings_row):
    model = _model()

    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    hooks.default_processor_changed.connect(explode, dispatch_uid="test-explode")
    try:
        with pytest.raises(RuntimeError):
            analytics_settings_update(values={"default_processor": "fake_other"})
    finally:
        hooks.default_processor_changed.disconnect(dispatch_uid="test-explode")

    assert AnalyticsSettings.load().default_processor == "fake_ready"
    model.refresh_from_db()
    assert model.trained is True
    assert Prediction.objects.filter(model=model).count() == 1
    assert SettingChange.objects.count() == 0


def test_unchanged_processor_clears_nothing(settings_row):
    model = _model()
    result = analytics_settings_update(values={"default_processor": "fake_ready"})
    assert result.models_cleared == 0
    model.refresh_from_db()
    assert model.trained is True


def test_real_mlbackend_processor_is_refused_when_its_server_is_unreachable(
    db, closed_port_url
):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(
            values={
                "default_processor": "mlbackend",
                "mlbackend_url": closed_port_url,
                "mlbackend_password": "any",
            }
        )
    assert "Cannot reach the ML backend server" in str(error.value)
    assert AnalyticsSettings.load().default_processor == "builtin"


def test_real_mlbackend_processor_is_accepted_when_its_server_answers(
    db, version_server, django_capture_on_commit_callbacks, settings
):
    from tests.fixtures.ml_server import ML_PASSWORD

    AnalyticsModel.objects.all().delete()  # the default models, if installed
    model = AnalyticsModel.objects.create(target="no_teaching", trained=True)
    trained_dir = (
        settings.FORESIGHT_DATA_DIR
        / "models"
        / model_unique_id(model_pk=model.pk, version=model.version)
    )
    trained_dir.mkdir(parents=True)

    with django_capture_on_commit_callbacks(execute=True):
        result = analytics_settings_update(
            values={
                "default_processor": "mlbackend",
                "mlbackend_url": version_server,
                "mlbackend_password": ML_PASSWORD,
            }
        )

    assert AnalyticsSettings.load().default_processor == "mlbackend"
    assert result.models_cleared == 1
    assert not trained_dir.exists()  # the builtin processor removed its files


def test_real_mlbackend_processor_with_a_wrong_password_is_refused(db, version_server):
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(
            values={
                "default_processor": "mlbackend",
                "mlbackend_url": version_server,
                "mlbackend_password": "not-the-password",
            }
        )
    assert "refused the user and password" in str(error.value)
    assert AnalyticsSettings.load().default_processor != "mlbackend"
