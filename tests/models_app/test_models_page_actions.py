"""The models page without traps (issue 14.4): an actions menu per model, an
Enable form instead of command-line advice, runs followed to their end, and
evaluation offering only what can be evaluated."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from models_app.models import AnalyticsModel, ModelLog

pytestmark = pytest.mark.django_db

INDICATORS = ["any_write_action_in_course", "read_actions", "any_course_access"]


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def ml_model():
    return AnalyticsModel.objects.create(
        name="My dropout model",
        target="course_dropout",
        indicators=INDICATORS,
        interval="quarters",
        version=1,
    )


def _row(content: str, model: AnalyticsModel) -> str:
    return content.split(f'id="model-{model.pk}"')[1].split("</tr>")[0]


def test_each_model_has_its_id_indicators_and_one_actions_menu(
    manager_client, ml_model
):
    content = manager_client.get(reverse("models_app:list")).content.decode()
    row = _row(content, ml_model)
    assert f'<td class="model-id">{ml_model.pk}</td>' in row
    assert "3 indicators" in row and "Read actions amount" in row
    assert row.count('<details class="menu">') == 1
    assert f'href="{reverse("insights:list")}?model={ml_model.pk}"' in row


def test_run_now_is_not_offered_nor_accepted_for_a_disabled_model(
    manager_client, ml_model
):
    row = _row(
        manager_client.get(reverse("models_app:list")).content.decode(), ml_model
    )
    assert "action-run" not in row
    assert reverse("models_app:enable", args=[ml_model.pk]) in row
    response = manager_client.post(
        reverse("models_app:run", args=[ml_model.pk]), follow=True
    )
    assert "Enable the model before running its analysis." in response.content.decode()
    assert not ModelLog.objects.filter(model=ml_model).exists()


def test_enabling_asks_for_the_interval_on_the_page(manager_client):
    dropout = AnalyticsModel.objects.create(
        target="course_dropout", indicators=INDICATORS, version=1
    )
    url = reverse("models_app:enable", args=[dropout.pk])
    page = manager_client.get(url).content.decode()
    assert '<select name="interval"' in page and 'value="quarters"' in page
    assert 'value="upcoming_week"' not in page  # the target refuses it
    refused = manager_client.post(url, {"enabled": "1"}).content.decode()
    assert "--analysisinterval" not in refused and "manage.py" not in refused
    assert "Choose the analysis interval" in refused

    manager_client.post(url, {"enabled": "1", "interval": "quarters"})

    dropout.refresh_from_db()
    assert (dropout.enabled, dropout.interval) == (True, "quarters")


def test_evaluate_offers_only_evaluable_intervals_and_trained_mode_when_trained(
    manager_client, ml_model
):
    from settings_app.models import AnalyticsSettings
    from settings_app.selectors import analytics_settings_cache_bump

    row = AnalyticsSettings.load()
    row.only_cli = False
    row.save()
    analytics_settings_cache_bump()
    url = reverse("models_app:evaluate", args=[ml_model.pk])
    page = manager_client.get(url).content.decode()
    assert 'value="deciles"' in page
    assert 'value="upcoming_week"' not in page and 'value="no_splitting"' not in page
    assert 'value="trainedmodel"' not in page
    AnalyticsModel.objects.filter(pk=ml_model.pk).update(trained=True)
    assert 'value="trainedmodel"' in manager_client.get(url).content.decode()


def test_the_log_follows_a_queued_run_until_it_ends(manager_client, ml_model):
    url = reverse("models_app:log", args=[ml_model.pk])
    queued = int(time.time())

    waiting = manager_client.get(f"{url}?queued={queued}").content.decode()

    assert '<meta http-equiv="refresh"' in waiting
    assert 'id="log-waiting"' in waiting
    log = ModelLog.objects.create(
        model=ml_model,
        kind=ModelLog.Kind.TRAINING,
        result=ModelLog.Result.RUNNING,
        details={"stage": "training"},
    )
    running = manager_client.get(f"{url}?queued={queued}").content.decode()
    assert '<meta http-equiv="refresh"' in running
    assert "Training" in running.split('class="stage"')[1]
    detail = manager_client.get(reverse("models_app:log_detail", args=[log.pk]))
    assert 'id="log-stage">Training' in detail.content.decode()
    ModelLog.objects.filter(pk=log.pk).update(result=ModelLog.Result.OK)
    done = manager_client.get(f"{url}?queued={queued}").content.decode()
    assert '<meta http-equiv="refresh"' not in done


def test_the_model_form_groups_indicators_and_puts_errors_beside_their_field(
    manager_client,
):
    url = reverse("models_app:create")
    page = manager_client.get(url).content.decode()
    assert 'data-group="foresight"' in page and 'data-group="mod"' in page
    assert page.count("data-select-all=") == 3
    foresight = page.split('data-group="foresight"')[1].split("</fieldset>")[0]
    assert 'value="days_since_last_access"' in foresight
    # Every one of Foresight's own indicators is in its group, a plug-in added
    # later too, and none of Moodle's.
    from models_app.plugins import registry

    for key in registry.INDICATORS:
        own = registry.indicator_class(key).moodle_id.startswith("\\foresight\\")
        assert (f'value="{key}"' in foresight) == own, key
    assert 'value="days_since_last_reading_classmates"' in foresight

    response = manager_client.post(
        url,
        {
            "target": "course_dropout",
            "indicators": INDICATORS,
            "interval": "upcoming_week",
            "processor": "",
        },
    )

    html = response.content.decode()
    interval = html.split('id="field-interval"')[1].split("</p>")[0]
    assert "cannot use the interval" in interval
    assert 'id="form-errors"' not in html
    # Checked boxes stay checked after the error.
    assert 'value="read_actions" checked' in html
