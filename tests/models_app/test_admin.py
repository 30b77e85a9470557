"""The model log is visible in the admin, read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from models_app.models import AnalyticsModel, ModelLog
from models_app.services.logs import (
    model_log_finish,
    model_log_message,
    model_log_start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    model = AnalyticsModel.objects.create(target="course_dropout", interval="deciles")
    log = model_log_start(model=model, kind=ModelLog.Kind.TRAINING)
    model_log_message(log=log, level="warning", message="Course 7 has no end date")
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
