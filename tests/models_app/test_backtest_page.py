"""The models page's "How it would have done": queue a backtest, follow it, read
its figures and charts; only for those who manage models."""

from __future__ import annotations

import pytest
from django.urls import reverse

from models_app.services.backtest.runs import (
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
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
    assert ">1.000</td>" in page  # ROC AUC 1 at 50%: the future is known here


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


@pytest.mark.django_db(transaction=True)
def test_a_backtest_the_queue_refused_is_failed_and_not_followed(
    manager_client, site, refused_port
):
    """Without a broker the run is written as failed, in plain words, and the page
    says what happened instead of refreshing forever."""
    from config.celery import app
    from tests.fixtures.mail import _forget_broker_connections

    model, train, test = site
    before = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{refused_port}/0"
    _forget_broker_connections(app)
    try:
        response = _queue(manager_client, model, train, test)
    finally:
        app.conf.broker_url = before
        _forget_broker_connections(app)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The task queue cannot be reached" in page
    # A page's advice, not a command's (a teacher or manager has no --queue).
    assert "start the broker and a worker" in page
    assert "--queue" not in page
    (run,) = backtest_runs(model_pk=model.pk)
    assert run["status"] == FAILED
    assert "could not be queued" in run["message"]
    followed = manager_client.get(reverse("models_app:backtest", args=[model.pk]))
    assert '<meta http-equiv="refresh"' not in followed.content.decode()
    assert 'id="backtest-failed"' in followed.content.decode()


@pytest.mark.parametrize(
    ("status", "since"), [(QUEUED, "queued"), (RUNNING, "started")]
)
def test_a_run_whose_worker_stopped_ends_as_failed(manager_client, site, status, since):
    import time

    from models_app.services.backtest.runs import STALE_AFTER_SECONDS, _write

    model, train, test = site
    old = int(time.time()) - STALE_AFTER_SECONDS - 60
    _write(
        model.pk,
        {
            "id": "1700000000000001",
            "status": status,
            "train": train,
            "test": test,
            "at": [],
            since: old,
            "queued": old,
        },
    )
    run = backtest_get(model_pk=model.pk, run_id="1700000000000001")
    assert run["status"] == FAILED
    assert "worker stopped" in run["message"]
    page = manager_client.get(reverse("models_app:backtest", args=[model.pk]))
    assert '<meta http-equiv="refresh"' not in page.content.decode()

    _write(
        model.pk,
        {
            **run,
            "id": "1700000000000002",
            "status": status,
            since: int(time.time()),
            "queued": int(time.time()),
        },
    )
    assert (
        backtest_get(model_pk=model.pk, run_id="1700000000000002")["status"] == status
    )


def test_an_unexpected_failure_shows_a_plain_message_and_logs_the_detail(
    manager_client, site, caplog
):
    """The exception may carry database, host or SQL detail: it goes to the log."""
    from models_app.services.backtest.runs import _write

    model, _train, test = site
    # Not a course list: the backtest fails in a way no check foresaw.
    _write(
        model.pk,
        {
            "id": "1700000000000003",
            "status": QUEUED,
            "train": 12345,
            "test": test,
            "at": [],
        },
    )
    with pytest.raises(TypeError, match="not iterable"):
        backtest_execute(model_pk=model.pk, run_id="1700000000000003")
    run = backtest_get(model_pk=model.pk, run_id="1700000000000003")
    assert run["status"] == FAILED
    assert "TypeError" not in run["message"] and "iterable" not in run["message"]
    assert "The backtest failed" in run["message"]
    (logged,) = [r for r in caplog.records if r.name.endswith("backtest.runs")]
    assert "not iterable" in str(logged.exc_info[1])
    page = manager_client.get(reverse("models_app:backtest", args=[model.pk]))
    assert "TypeError" not in page.content.decode()
    assert "iterable" not in page.content.decode()


ODD_COURSES = [
    "²",
    "¹²³",
    "٣",
    "𝟙",
    "99999999999999999999999999",
    "-1",
    "1e3",
    "½",
    "finished before ²",
    "finished before 2024-13-45",
    "finished before",
    ",,,",
    "1,,²",
    "'; DROP TABLE lms_course; --",
    "\u202e1",
    "x" * 1999,
]


@pytest.mark.parametrize("text", ODD_COURSES)
def test_odd_course_lists_get_a_message_never_a_500(manager_client, site, text):
    model, train, test = site
    for response in (
        _queue(manager_client, model, text, test),
        _queue(manager_client, model, train, text),
    ):
        assert response.status_code == 200
        assert 'id="form-errors"' in response.content.decode() or (
            'class="errorlist"' in response.content.decode()
        )
    assert backtest_runs(model_pk=model.pk) == []


def test_statuses_and_the_estimator_read_as_words(manager_client, site):
    from models_app.services.backtest.runs import _write

    model, train, test = site
    for n, status in enumerate([FAILED, FINISHED]):
        _write(
            model.pk,
            {
                "id": f"170000000000001{n}",
                "status": status,
                "train": train,
                "test": test,
                "at": [],
                "message": "x",
                "report": {
                    "estimator": "gradient_boosting",
                    "train_samples": 3,
                    "points": [],
                }
                if status == FINISHED
                else None,
            },
        )
    page = manager_client.get(reverse("models_app:backtest", args=[model.pk]))
    html = page.content.decode()
    assert "Estimator: Gradient boosting." in html
    assert "gradient_boosting" not in html
    assert '<span class="muted small">Failed</span>' in html
    assert '<span class="muted small">Finished</span>' in html


def test_the_form_offers_last_years_courses_before_anything_is_typed(manager_client):
    """The earlier finished courses to learn from, the latest third to replay, in
    end order; courses still running are offered in neither."""
    import datetime as dt

    from django.utils import timezone

    from tests.models_app.running_site import running_course

    model = dropout_model()
    now = timezone.now()
    finished = []
    for weeks_ago in (60, 40, 30, 20, 12, 4):
        course = finished_course()
        course.enddate = now - dt.timedelta(weeks=weeks_ago)
        course.save()
        finished.append(course)
    running = running_course()
    running.enddate = now + dt.timedelta(weeks=6)
    running.save()

    page = manager_client.get(reverse("models_app:backtest", args=[model.pk]))

    form = page.context["form"]
    names = [c.shortname for c in finished]
    assert form["train"].value() == ", ".join(names[:4])
    assert form["test"].value() == ", ".join(names[4:])
