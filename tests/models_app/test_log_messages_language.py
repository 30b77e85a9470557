"""Model-log messages are stored with their msgid and parameters (runs write
English) and shown in the reader's language; old rows with only "message" still
show; "Run now" says when there was nothing new to predict."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from models_app.log_messages import log_entry, log_entry_text, log_message
from models_app.models import ModelLog
from models_app.services.running import model_predict, model_train
from tests.models_app.running_site import (
    NOW,
    dropout_model,
    finished_course,
    running_course,
)

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es", "follow": True}
PER_COURSE = "No new samples to train on for %(analysable)s."


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _trained_twice():
    """(model, the second training's result, its log, its per-course entry): a
    second training with nothing new writes PER_COURSE for the finished course."""
    finished_course(), running_course()
    model = dropout_model()
    model_train(model=model, now=NOW)
    again = model_train(model=model, now=NOW)
    log = ModelLog.objects.get(pk=again.log_id)
    entry = next(item for item in log.info if item.get("msgid") == PER_COURSE)
    return model, again, log, entry


def test_a_run_stores_msgid_params_and_english_message():
    _model, again, _log, entry = _trained_twice()
    name = entry["params"]["analysable"]
    assert entry["message"] == f"No new samples to train on for {name}."
    assert again.message == "No new samples to train on."


def test_the_log_page_shows_a_runs_messages_in_spanish(manager_client):
    model, _again, log, entry = _trained_twice()
    name = entry["params"]["analysable"]

    page = manager_client.get(reverse("models_app:log", args=[model.pk]), **SPANISH)
    detail = manager_client.get(
        reverse("models_app:log_detail", args=[log.pk]), **SPANISH
    )

    spanish = f"No hay muestras nuevas con las que entrenar para {name}."
    assert spanish in page.content.decode()
    assert spanish in detail.content.decode()
    assert "No new samples to train on for" not in detail.content.decode()


def test_old_rows_and_broken_params_fall_back_to_the_stored_message(
    manager_client,
):
    model = dropout_model()
    log = ModelLog.objects.create(
        model=model,
        kind=ModelLog.Kind.TRAINING,
        result=ModelLog.Result.WARNING,
        info=[
            {"level": "warning", "message": "An old English line."},
            {
                "level": "warning",
                "message": "Stored English text.",
                "msgid": PER_COURSE,
                "params": {"wrong": "x"},  # a KeyError in substitution
            },
            {
                "level": "info",
                "message": "No new samples to train on.",
                "msgid": "No new samples to train on.",
                "params": {},
            },
        ],
    )

    page = manager_client.get(
        reverse("models_app:log_detail", args=[log.pk]), **SPANISH
    ).content.decode()

    assert "An old English line." in page
    assert "Stored English text." in page
    assert "No hay muestras nuevas con las que entrenar." in page


def test_the_admin_shows_the_messages_in_spanish(admin_client):
    model = dropout_model()
    message = log_message(PER_COURSE, analysable="Course X")
    log = ModelLog.objects.create(
        model=model,
        kind=ModelLog.Kind.TRAINING,
        info=[log_entry(level="warning", message=message)],
    )

    page = admin_client.get(
        reverse("admin:models_app_modellog_change", args=[log.pk]), **SPANISH
    ).content.decode()

    assert "No hay muestras nuevas con las que entrenar para Course X." in page


def test_a_message_made_in_spanish_still_stores_english():
    from django.utils import translation

    with translation.override("es"):
        message = log_message(PER_COURSE, analysable="Course X")
        entry = log_entry(level="warning", message=message)

    assert str(message) == "No hay muestras nuevas con las que entrenar para Course X."
    assert entry["message"] == "No new samples to train on for Course X."
    assert entry["params"] == {"analysable": "Course X"}
    with translation.override("es"):
        assert log_entry_text(entry) == str(message)


def test_run_now_says_when_every_running_course_was_already_predicted(
    manager_client,
):
    finished_course(), finished_course(), running_course()
    model = dropout_model()
    model_train(model=model, now=NOW)
    model_predict(model=model, now=NOW)
    queued = int(time.time()) - 1

    model_predict(model=model, now=NOW)  # the queued run, as a worker runs it

    url = reverse("models_app:log", args=[model.pk]) + f"?queued={queued}"
    page = manager_client.get(url).content.decode()
    assert (
        "No new predictions: the current period of every running course was "
        "already predicted." in page
    )


def test_nested_messages_and_plugin_labels_are_translated_when_shown():
    from django.utils import translation

    from models_app.log_messages import plugin_label

    reason = log_message("No new samples to train on.")
    nested = log_entry(
        level="warning",
        message=log_message(
            "%(analysable)s is not valid for this model: %(reason)s",
            analysable="Course X",
            reason=reason,
        ),
    )
    labelled = log_entry(
        level="warning",
        message=log_message(
            "%(interval)s: %(message)s",
            interval=plugin_label("interval", "quarters"),
            message="plain backend line",
        ),
    )

    assert nested["message"] == (
        "Course X is not valid for this model: No new samples to train on."
    )
    with translation.override("es"):
        assert log_entry_text(nested) == (
            "Course X no es válido para este modelo: "
            "No hay muestras nuevas con las que entrenar."
        )
        label = "Último cuarto"
        assert log_entry_text(labelled) == f"{label}: plain backend line"


def test_run_now_says_nothing_of_the_sort_when_it_predicted(manager_client):
    finished_course(), finished_course(), running_course()
    model = dropout_model()
    model_train(model=model, now=NOW)
    queued = int(time.time()) - 1

    model_predict(model=model, now=NOW)

    url = reverse("models_app:log", args=[model.pk]) + f"?queued={queued}"
    assert "No new predictions:" not in manager_client.get(url).content.decode()


def test_an_evaluations_report_shows_its_messages_in_spanish(manager_client):
    from models_app.services.running import model_evaluate

    model = dropout_model(enabled=False)  # no course at all: no data
    outcome = model_evaluate(model=model, interval="quarters", now=NOW)

    page = manager_client.get(
        reverse("models_app:log_detail", args=[outcome.log_id]), **SPANISH
    ).content.decode()

    assert page.count("No hay datos para evaluar el modelo.") == 2  # log, report
    assert "There is no data to evaluate the model." not in page


def test_a_plugins_plain_reason_and_the_runs_mode_are_translated_when_shown():
    """Targets give their reasons as text in the run's language (English); the
    catalogue knows them, so the page shows them in the reader's."""
    from django.utils import translation

    invalid = log_entry(
        level="warning",
        message=log_message(
            "%(analysable)s is not valid for this model: %(reason)s",
            analysable="Course X",
            reason="The course has already finished.",
        ),
    )
    not_ready = log_entry(
        level="warning",
        message=log_message("no range is ready for %(mode)s yet.", mode="prediction"),
    )
    with translation.override("es"):
        assert log_entry_text(invalid) == (
            "Course X no es válido para este modelo: El curso ya ha terminado."
        )
        assert "predicción" in log_entry_text(not_ready)
        assert "prediction" not in log_entry_text(not_ready)


def test_the_admins_log_list_and_page_name_the_interval_not_its_key(admin_client):
    log = ModelLog.objects.create(
        model=dropout_model(), kind=ModelLog.Kind.PREDICTION, interval="past_month"
    )
    label = "Mes pasado"

    listing = admin_client.get(
        reverse("admin:models_app_modellog_changelist"), **SPANISH
    ).content.decode()
    page = admin_client.get(
        reverse("admin:models_app_modellog_change", args=[log.pk]), **SPANISH
    ).content.decode()

    assert f'<td class="field-interval_shown">{label}</td>' in listing
    assert label in page


def test_a_copied_or_pickled_message_keeps_its_values():
    """Backtest reports deep-copy the dataset's messages (dataclasses.asdict); copy
    and pickle go through the same __reduce__."""
    import copy

    message = log_message(
        "%(analysable)s is not valid for this model: %(reason)s",
        analysable="Course X",
        reason=log_message(PER_COURSE, analysable="Course X"),
    )
    for again in (
        copy.deepcopy(message),
        copy.copy(message),
    ):
        assert str(again) == str(message)
        assert "%(" not in again
        assert again.as_json() == message.as_json()
