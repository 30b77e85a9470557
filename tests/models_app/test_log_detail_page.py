"""An evaluation's report page: the confusion matrix named and explained, what a
good result says for an enabled model, the calibration named after the target's
class; the Evaluate form's first choice and its help agree."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from models_app.models import AnalyticsModel, ModelLog
from models_app.selectors import calibration_data_named, target_class_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def evaluated(settings):
    """A dropout model with one good evaluation (quarters) and its kept files."""
    from settings_app.selectors import models_output_dir

    model = AnalyticsModel.objects.create(
        name="Dropout",
        target="course_dropout",
        indicators=["read_actions"],
        interval="quarters",
        version=1,
    )
    folder = models_output_dir() / "x" / "evaluation" / "7"
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(
        json.dumps(
            {
                "auc": 0.95,
                "classes": [0, 1],
                "confusion_matrix": [[603, 68], [64, 385]],
                "rounds": 10,
            }
        )
    )
    (folder / "graphs.json").write_text(
        json.dumps(
            {
                "version": 1,
                "calibration.png": {
                    "curves": [{"name": "class 1", "x": [0.1, 0.9], "y": [0.2, 0.8]}]
                },
            }
        )
    )
    log = ModelLog.objects.create(
        model=model,
        kind=ModelLog.Kind.EVALUATION,
        result="ok",
        details={
            "results": [
                {
                    "interval": "quarters",
                    "status": 0,
                    "score": 0.88,
                    "info": [],
                    "samples": 564,
                    "dir": str(folder),
                }
            ]
        },
    )
    return model, log, folder


def _page(client, log) -> str:
    return client.get(reverse("models_app:log_detail", args=[log.pk])).content.decode()


def test_confusion_matrix_names_actual_and_predicted_classes_and_its_rounds(
    manager_client, evaluated
):
    _model, log, _folder = evaluated
    text = _page(manager_client, log)
    assert 'class="confusion"' in text
    assert "Actual: Not at risk" in text
    assert "Actual: Student at risk of dropping out" in text
    assert (
        '<th scope="col" class="predicted">Student at risk of dropping out</th>' in text
    )
    assert ">Predicted</th>" in text
    # 1120 counted predictions next to "Samples: 564": the caption says why.
    assert "summed over the 10 evaluation rounds" in text
    assert "1120 predictions, 112 a round on average" in text


def test_a_good_result_tells_an_enabled_model_it_already_predicts(
    manager_client, evaluated
):
    model, log, _folder = evaluated
    assert "Enable it to start obtaining predictions." in _page(manager_client, log)
    model.enabled = True
    model.save()
    text = _page(manager_client, log)
    assert "Enable it to start obtaining predictions." not in text
    assert "It is enabled: it obtains them at this analysis interval." in text
    model.interval = "deciles"
    model.save()
    assert "It is enabled with another analysis interval" in _page(manager_client, log)


def test_calibration_is_named_after_the_targets_class(manager_client, evaluated):
    _model, log, folder = evaluated
    names = target_class_names(target="course_dropout")
    data = calibration_data_named(folder=folder, names=names)
    assert data is not None
    assert data["calibration.png"]["curves"][0]["name"] == (
        "Student at risk of dropping out"
    )
    graph = manager_client.get(
        reverse("models_app:graph", args=[log.pk, 0, "calibration.png"])
    )
    assert graph.status_code == 200 and graph.content.startswith(b"\x89PNG")


def test_evaluate_forms_first_choice_is_what_its_help_describes(manager_client):
    from settings_app.models import AnalyticsSettings
    from settings_app.selectors import analytics_settings_cache_bump

    row = AnalyticsSettings.load()
    row.only_cli = False  # the form is shown only when the page may start runs
    row.save()
    analytics_settings_cache_bump()
    model = AnalyticsModel.objects.create(
        target="course_dropout", indicators=["read_actions"], interval="quarters"
    )
    text = manager_client.get(
        reverse("models_app:evaluate", args=[model.pk])
    ).content.decode()
    assert (
        '<option value="" selected>Every interval chosen for evaluation</option>'
        in (text)
    )
    assert "Every interval chosen for evaluation in the analytics settings" in text
    assert "Empty:" not in text
