"""The admin: model logs read-only, the model editor through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from models_app.models import AnalyticsModel, ModelLog
from models_app.services.logs import model_log_finish, model_log_start
from models_app.services.running.common import log_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    model = AnalyticsModel.objects.create(target="course_dropout", interval="deciles")
    log = model_log_start(model=model, kind=ModelLog.Kind.TRAINING)
    log_messages(log=log, messages=["Course 7 has no end date"], level="warning")
    return model_log_finish(
        log=log, result=ModelLog.Result.OK, analysables=3, samples=42
    )


def test_a_warning_turns_success_into_finished_with_warnings(log):
    assert log.result == ModelLog.Result.WARNING
    assert log.timefinished is not None


def test_model_log_list_and_detail_show_the_run(admin_client, log):
    response = admin_client.get(reverse("admin:models_app_modellog_changelist"))
    assert response.status_code == 200
    assert b"Finished with warnings" in response.content
    detail = admin_client.get(
        reverse("admin:models_app_modellog_change", args=[log.pk])
    )
    assert detail.status_code == 200
    assert b"Course 7 has no end date" in detail.content


def test_model_log_cannot_be_added_by_hand(admin_client):
    response = admin_client.get(reverse("admin:models_app_modellog_add"))
    assert response.status_code == 403


# --- the analytics model editor ------------------------------------------------------

INDICATORS = ["any_write_action_in_course", "read_actions"]


@pytest.fixture
def trained_model():
    from models_app.models import TrainSample

    model = AnalyticsModel.objects.create(
        name="Dropout",
        target="course_dropout",
        indicators=INDICATORS,
        interval="quarters",
        trained=True,
        version=100,
    )
    TrainSample.objects.create(
        model=model, analysableid=1, interval="quarters", sampleids=[1, 2]
    )
    return model


def _change(admin_client, model, **fields):
    data = {
        "name": model.name,
        "indicators": model.indicators,
        "interval": model.interval,
        "processor": model.processor,
        "enabled": "on" if model.enabled else "",
        "contexts": "[]",
        **fields,
    }
    if not data["enabled"]:
        del data["enabled"]
    return admin_client.post(
        reverse("admin:models_app_analyticsmodel_change", args=[model.pk]), data
    )


def _row(model) -> tuple:
    model.refresh_from_db()
    return (
        model.target,
        model.indicators,
        model.interval,
        model.processor,
        model.trained,
        model.version,
    )


def test_the_admin_refuses_unknown_indicators_and_intervals(
    admin_client, trained_model
):
    before = _row(trained_model)
    response = _change(
        admin_client,
        trained_model,
        indicators=["nonexistent_indicator"],
        interval="weekly",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "nonexistent_indicator is not one of the available choices" in text
    assert "weekly is not one of the available choices" in text
    assert _row(trained_model) == before


def test_the_admin_refuses_an_unknown_target_when_adding(admin_client):
    before = AnalyticsModel.objects.count()
    response = admin_client.post(
        reverse("admin:models_app_analyticsmodel_add"),
        {
            "name": "",
            "target": "foo_bar",
            "indicators": ["read_actions"],
            "interval": "quarters",
            "processor": "",
            "contexts": "[]",
        },
    )
    assert response.status_code == 200
    assert "foo_bar is not one of the available choices" in response.content.decode()
    assert AnalyticsModel.objects.count() == before


def test_the_admin_refuses_what_the_target_cannot_use(admin_client):
    """The same whole-configuration checks as the models page."""
    before = AnalyticsModel.objects.count()
    response = admin_client.post(
        reverse("admin:models_app_analyticsmodel_add"),
        {
            "target": "course_dropout",
            "indicators": ["read_actions"],
            "interval": "",
            "processor": "",
            "enabled": "on",
            "contexts": "[]",
        },
    )
    assert response.status_code == 200
    assert "An enabled model needs an analysis interval." in response.content.decode()
    assert AnalyticsModel.objects.count() == before


def test_the_target_is_read_only_once_the_model_exists(admin_client, trained_model):
    page = admin_client.get(
        reverse("admin:models_app_analyticsmodel_change", args=[trained_model.pk])
    )
    assert 'name="target"' not in page.content.decode()
    _change(admin_client, trained_model, target="no_teaching")
    trained_model.refresh_from_db()
    assert trained_model.target == "course_dropout"


def test_changing_what_a_model_learns_in_the_admin_clears_it(
    admin_client, trained_model
):
    from models_app.models import TrainSample

    response = _change(admin_client, trained_model, indicators=["read_actions"])
    assert response.status_code == 302
    trained_model.refresh_from_db()
    assert trained_model.indicators == ["read_actions"]
    assert trained_model.trained is False
    assert trained_model.version > 100
    assert TrainSample.objects.filter(model=trained_model).exists() is False


def test_renaming_a_model_in_the_admin_keeps_what_it_learned(
    admin_client, trained_model
):
    response = _change(admin_client, trained_model, name="Renamed", contexts="[5]")
    assert response.status_code == 302
    trained_model.refresh_from_db()
    assert (trained_model.name, trained_model.contexts) == ("Renamed", [5])
    assert (trained_model.trained, trained_model.version) == (True, 100)


def test_a_model_added_in_the_admin_is_created_by_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:models_app_analyticsmodel_add"),
        {
            "target": "no_teaching",
            "indicators": ["read_actions"],
            "interval": "",
            "processor": "",
            "contexts": "[]",
        },
    )
    assert response.status_code == 302
    model = AnalyticsModel.objects.latest("id")
    assert model.target == "no_teaching"
    assert model.version > 1_700_000_000
    assert model.trained is True  # rule-based: trained from the start


def test_the_model_refuses_unregistered_plugin_keys():
    from django.core.exceptions import ValidationError

    model = AnalyticsModel(
        target="foo_bar",
        indicators=["nonexistent_indicator"],
        interval="weekly",
        processor="tensorflow",
    )
    with pytest.raises(ValidationError) as refused:
        model.full_clean()
    assert set(refused.value.message_dict) == {
        "target",
        "indicators",
        "interval",
        "processor",
    }


def test_a_newly_registered_plugin_is_a_valid_choice_without_a_migration(monkeypatch):
    from models_app.plugins import registry

    monkeypatch.setitem(
        registry.TARGETS, "fake_learned", "tests.fixtures.fake_processors.LearnedTarget"
    )
    model = AnalyticsModel(target="fake_learned", indicators=["read_actions"])
    model.full_clean()
