"""The models pages name stored keys in the page's language: a run's result
("warning") and an analysis interval ("quarters") are never shown raw."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from models_app.models import AnalyticsModel, ModelLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize(
    ("language", "result", "interval"),
    [("en", "Finished with warnings", "Last quarter"), ("es", None, None)],
)
def test_results_and_intervals_are_shown_by_their_labels(
    manager_client, language, result, interval
):
    model = AnalyticsModel.objects.create(
        name="Dropout",
        target="course_dropout",
        indicators=["read_actions"],
        interval="quarters",
        version=1,
    )
    ModelLog.objects.create(
        model=model,
        kind=ModelLog.Kind.PREDICTION,
        result=ModelLog.Result.WARNING,
        interval="quarters",
        timestarted=timezone.now(),
    )
    with translation.override(language):
        expected_result = result or str(ModelLog.Result.WARNING.label)
        from models_app.plugins.registry import interval_class

        expected_interval = interval or str(interval_class("quarters").label)
        listed = manager_client.get(reverse("models_app:list")).content.decode()
        logged = manager_client.get(reverse("models_app:log", args=[model.pk]))
    assert language == "en" or expected_result != "Finished with warnings"
    mine = listed.split(f'id="model-{model.pk}"')[1].split("</tr>")[0]
    last_run = mine.split('<td class="last-run">')[1].split("</td>")[0]
    assert expected_result in last_run and ">warning<" not in last_run
    row = logged.content.decode().split("<tbody>")[1].split("</tr>")[0]
    assert f"<td>{expected_interval}</td>" in row
    assert "<td>quarters</td>" not in row
