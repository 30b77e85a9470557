"""The models page's "How it would have done": queue a backtest, follow it, read
its figures and charts; only for those who manage models."""

from __future__ import annotations

import pytest
from django.urls import reverse

from models_app.services.backtest.runs import (
    FAILED,
    FINISHED,
    QUEUED,
    backtest_execute,
    backtest_get,
    backtest_runs,
)
from tests.models_app.running_site import dropout_model, finished_course

pytestmark = pytest.mark.django_db


def _only_cli(value: bool) -> None:
    from settings_app.models import AnalyticsSettings
    from settings_app.selectors import analytics_settings_cache_bump

    row = AnalyticsSettings.load()
    row.only_cli = value
    row.save()
    analytics_settings_cache_bump()


@pytest.fixture
def manager_client(client, manager):
    _only_cli(False)
    client.force_login(manager)
    return client


@pytest.fixture
def site():
    a, b, c = finished_course(), finished_course(), finished_course(students=10)
    return dropout_model(), f"{a.pk},{b.pk}", str(c.pk)


def _queue(client, model, train, test, at="25,50,75"):
    return client.post(
        reverse("models_app:backtest", args=[model.pk]),
        {"train": train, "test": test, "at": at},
    )


def test_a_backtest_is_queued_run_by_its_task_and_shown_with_charts(
    manager_client, site, django_capture_on_commit_callbacks, monkeypatch
):
    model, train, test = site
    sent = []
    monkeypatch.setattr("models_app.services.running.requests.task_send", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = _queue(manager_client, model, train, test)
    assert response.status_code == 302, response.content.decode()[-3000:]
    (run,) = backtest_runs(model_pk=model.pk)
    assert run["status"] == QUEUED and run["at"] == [25.0, 50.0, 75.0]
    assert response["Location"].endswith(f"?run={run['id']}")
    (signature,) = sent
    assert signature.task == "models_app.tasks.backtest_task"
    assert list(signature.args) == [model.pk, run["id"]]

    waiting = manager_client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh"' in waiting
    assert 'id="backtest-waiting"' in waiting

    from models_app.tasks import backtest_task

    assert backtest_task.apply(args=signature.args).get()["status"] == FINISHED
    page = manager_client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh"' not in page
    assert page.count('class="backtest-point"') == 3
    assert page.count('class="chart square backtest-roc"') == 3
    assert page.count('class="chart square backtest-calibration"') == 3
    assert 'id="backtest-flags"' in page and "<polyline" in page
    assert ">1.0</td>" in page  # ROC AUC 1 at 50%: the future is known here


def test_a_backtest_that_cannot_run_says_why_before_it_is_queued(manager_client, site):
    model, train, test = site
    response = _queue(manager_client, model, train, train.split(",")[0])
    assert response.status_code == 200
    assert "cannot be both trained on and tested" in response.content.decode()
    response = _queue(manager_client, model, "nosuchcourse", test)
    assert "No course has the id or short name" in response.content.decode()
    response = _queue(manager_client, model, train, test, at="25,120")
    assert "above 0 and below 100" in response.content.decode()
    assert backtest_runs(model_pk=model.pk) == []


def test_a_failed_backtest_is_kept_with_its_reason(site):
    model, train, test = site
    from models_app.services.backtest.runs import _write

    _write(
        model.pk,
        {
            "id": "1700000000000000",
            "status": QUEUED,
            "train": test,
            "test": test,
            "at": [],
        },
    )
    run = backtest_execute(model_pk=model.pk, run_id="1700000000000000")
    assert run["status"] == FAILED
    assert "both trained on and tested" in run["message"]
    assert backtest_get(model_pk=model.pk, run_id="1700000000000000") == run
    assert backtest_get(model_pk=model.pk, run_id="../../etc") is None


def test_only_managers_see_the_backtest(client, teacher, site):
    model, _train, _test = site
    url = reverse("models_app:backtest", args=[model.pk])
    assert client.get(url).status_code == 302  # to the login
    client.force_login(teacher)
    assert client.get(url).status_code == 403
    assert _queue(client, model, "1", "2").status_code == 403


def test_rule_based_models_have_nothing_to_backtest(manager_client):
    from models_app.models import AnalyticsModel

    model = AnalyticsModel.objects.create(
        target="no_teaching", indicators=["no_teacher"], interval="single_range"
    )
    response = manager_client.get(reverse("models_app:backtest", args=[model.pk]))
    assert response.status_code == 302


def test_only_from_the_command_line_names_the_command(manager_client, site):
    model, train, test = site
    _only_cli(True)
    page = manager_client.get(reverse("models_app:backtest", args=[model.pk]))
    assert f"manage.py backtest --model {model.pk}" in page.content.decode()
    response = _queue(manager_client, model, train, test)
    assert backtest_runs(model_pk=model.pk) == []
    assert response.status_code == 200
