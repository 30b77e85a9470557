"""The analytics models page: permissions, every action and every refusal."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from models_app.defaults import DEFAULT_MODELS
from models_app.models import AnalyticsModel, ModelLog
from models_app.services.models import default_models_missing
from settings_app.models import AnalyticsSettings

pytestmark = pytest.mark.django_db

DROPOUT_INDICATORS = ["any_write_action_in_course", "read_actions", "any_course_access"]


@pytest.fixture(autouse=True)
def _default_models():
    """What migrate installs; transactional tests elsewhere may have flushed it."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("models_app.migrations.0003_default_models")
    migration.create_default_models(apps, None)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def ml_model():
    return AnalyticsModel.objects.create(
        name="My dropout model",
        target="course_dropout",
        indicators=DROPOUT_INDICATORS,
        interval="quarters",
        version=1,
    )


def _settings(**values):
    row = AnalyticsSettings.load()
    for key, value in values.items():
        setattr(row, key, value)
    row.save()
    from settings_app.selectors import analytics_settings_cache_bump

    analytics_settings_cache_bump()


def _zip(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _upload(client, data: bytes, name="model.zip"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("models_app:import"), {"file": SimpleUploadedFile(name, data)}
    )


# --- permissions ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["teacher", "student", "outsider"])
def test_users_without_managemodels_are_refused_everywhere(
    client, request, persona, ml_model
):
    client.force_login(request.getfixturevalue(persona))
    for url in [
        reverse("models_app:list"),
        reverse("models_app:edit", args=[ml_model.pk]),
        reverse("models_app:export", args=[ml_model.pk]),
        reverse("models_app:log", args=[ml_model.pk]),
        reverse("models_app:restore"),
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("models_app:delete", args=[ml_model.pk]))
    assert response.status_code == 403
    assert AnalyticsModel.objects.filter(pk=ml_model.pk).exists() is True


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("models_app:list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_disabled_analytics_refuses_with_how_to_turn_it_on(manager_client):
    _settings(enabled=False)
    response = manager_client.get(reverse("models_app:list"))
    assert response.status_code == 403
    assert "Analytics enabled" in response.content.decode()


# --- list and defaults ---------------------------------------------------------


def test_migrate_installs_the_default_models():
    targets = dict(AnalyticsModel.objects.values_list("target", "enabled"))
    assert targets == {
        "course_dropout": False,
        "no_teaching": True,
        "upcoming_activities_due": True,
        "no_access_since_course_start": True,
        "no_recent_accesses": True,
    }
    dropout = AnalyticsModel.objects.get(target="course_dropout")
    # Moodle's 7 course-level indicators (not its 42 mod_* ones) and Foresight's 9.
    assert len(dropout.indicators) == 16
    assert not [key for key in dropout.indicators if key.startswith("mod_")]
    assert set(dropout.indicators) >= {
        "read_actions",
        "relative_activity",
        "days_since_last_access",
        "assessments_submitted",
        "assessment_scores",
        "assessment_scores_classmates",
        "assessments_on_time",
    }
    assert AnalyticsModel.objects.get(target="no_teaching").trained is True
    assert dropout.trained is False


def test_list_shows_each_model_with_its_figures(manager_client, ml_model):
    ModelLog.objects.create(
        model=ml_model, kind=ModelLog.Kind.EVALUATION, result="ok", score=0.8125
    )
    response = manager_client.get(reverse("models_app:list"))
    assert response.status_code == 200
    row = (
        response.content.decode()
        .split(f'id="model-{ml_model.pk}"')[1]
        .split("</tr>")[0]
    )
    assert "My dropout model" in row
    assert "0.813" in row  # three decimals, rounded half up
    assert "Site default" in row


def test_restore_offers_only_missing_defaults_and_recreates_them(manager_client):
    AnalyticsModel.objects.filter(target="no_teaching").delete()
    assert [m.key for m in default_models_missing()] == ["no_teaching"]
    response = manager_client.post(
        reverse("models_app:restore"), {"models": ["no_teaching"]}
    )
    assert response.status_code == 302
    restored = AnalyticsModel.objects.get(target="no_teaching")
    assert restored.enabled is True
    assert restored.trained is True
    assert default_models_missing() == []
    page = manager_client.get(reverse("models_app:restore")).content.decode()
    assert "All default models have been created already." in page


def test_a_default_with_other_indicators_counts_as_missing():
    model = AnalyticsModel.objects.get(target="no_recent_accesses")
    model.indicators = ["any_write_action"]
    model.save()
    keys = [m.key for m in default_models_missing()]
    assert keys == ["no_recent_accesses"]
    assert {m.key for m in DEFAULT_MODELS} >= set(keys)


#: The default dropout model's indicators until 2026-12-01 (Moodle's 49 and
#: Foresight's first four), as a site installed before then still has them.
DROPOUT_UNTIL_2026_12 = [
    "any_access_after_end",
    "any_access_before_start",
    "any_write_action_in_course",
    "read_actions",
    "completion_enabled",
    "potential_cognitive_depth",
    "potential_social_breadth",
    *(
        f"mod_{module}_{kind}"
        for module in (
            "assign", "book", "chat", "choice", "data", "feedback", "folder",
            "forum", "glossary", "imscp", "label", "lesson", "lti", "page",
            "quiz", "resource", "scorm", "survey", "url", "wiki", "workshop",
        )
        for kind in ("cognitive_depth", "social_breadth")
    ),
    "relative_activity",
    "days_since_last_access",
    "assessments_submitted",
    "assessment_scores",
]  # fmt: skip


def test_an_upgraded_site_keeps_its_dropout_model_and_is_not_offered_a_second(
    manager_client,
):
    model = AnalyticsModel.objects.get(target="course_dropout")
    model.indicators = DROPOUT_UNTIL_2026_12
    model.save()

    assert "course_dropout" not in [m.key for m in default_models_missing()]
    manager_client.post(reverse("models_app:restore"), {"models": ["course_dropout"]})
    assert AnalyticsModel.objects.filter(target="course_dropout").count() == 1


# --- create and edit -----------------------------------------------------------


def test_create_refuses_an_interval_the_target_does_not_accept(manager_client):
    response = manager_client.post(
        reverse("models_app:create"),
        {
            "target": "course_dropout",
            "indicators": DROPOUT_INDICATORS,
            "interval": "upcoming_week",
            "processor": "",
        },
    )
    assert response.status_code == 200
    assert "cannot use the interval" in response.content.decode()
    assert not AnalyticsModel.objects.filter(
        interval="upcoming_week", target="course_dropout"
    ).exists()


def test_create_makes_a_disabled_untrained_model(manager_client):
    before = AnalyticsModel.objects.count()
    response = manager_client.post(
        reverse("models_app:create"),
        {
            "name": "Grades",
            "target": "course_gradetopass",
            "indicators": DROPOUT_INDICATORS,
            "interval": "deciles",
            "processor": "builtin",
        },
    )
    assert response.status_code == 302
    assert AnalyticsModel.objects.count() == before + 1
    model = AnalyticsModel.objects.get(name="Grades")
    assert (model.enabled, model.trained, model.processor) == (False, False, "builtin")


def test_changing_indicators_asks_first_then_clears_the_model(manager_client, ml_model):
    ml_model.trained = True
    ml_model.save()
    old_version = ml_model.version
    data = {
        "name": ml_model.name,
        "indicators": ["read_actions"],
        "interval": "quarters",
        "processor": "",
    }
    url = reverse("models_app:edit", args=[ml_model.pk])
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "clears what this model has learned" in response.content.decode()
    ml_model.refresh_from_db()
    assert ml_model.indicators == DROPOUT_INDICATORS  # nothing saved yet

    response = manager_client.post(url, {**data, "confirm": "yes"})
    assert response.status_code == 302
    ml_model.refresh_from_db()
    assert ml_model.indicators == ["read_actions"]
    assert ml_model.trained is False
    assert ml_model.version > old_version


def test_renaming_does_not_clear(manager_client, ml_model):
    ml_model.trained = True
    ml_model.save()
    response = manager_client.post(
        reverse("models_app:edit", args=[ml_model.pk]),
        {
            "name": "Renamed",
            "indicators": DROPOUT_INDICATORS,
            "interval": "quarters",
            "processor": "",
        },
    )
    assert response.status_code == 302
    ml_model.refresh_from_db()
    assert (ml_model.name, ml_model.trained) == ("Renamed", True)


# --- enable, run, evaluate -----------------------------------------------------


def test_enable_and_disable(manager_client, ml_model):
    url = reverse("models_app:enable", args=[ml_model.pk])
    manager_client.post(url, {"enabled": "1"})
    ml_model.refresh_from_db()
    assert ml_model.enabled is True
    manager_client.post(url, {"enabled": "0"})
    ml_model.refresh_from_db()
    assert ml_model.enabled is False


def test_enabling_a_model_without_interval_says_why(manager_client):
    dropout = AnalyticsModel.objects.get(target="course_dropout")
    response = manager_client.post(
        reverse("models_app:enable", args=[dropout.pk]), {"enabled": "1"}, follow=True
    )
    dropout.refresh_from_db()
    assert dropout.enabled is False
    assert "analysis interval" in response.content.decode()


def test_evaluate_page_gives_the_command_when_only_cli(manager_client, ml_model):
    _settings(only_cli=True)
    response = manager_client.get(reverse("models_app:evaluate", args=[ml_model.pk]))
    page = response.content.decode()
    assert f"python manage.py evaluate_model --modelid {ml_model.pk}" in page
    response = manager_client.post(
        reverse("models_app:evaluate", args=[ml_model.pk]),
        {"mode": "configuration", "interval": ""},
        follow=True,
    )
    assert "command line" in response.content.decode()
    assert not ModelLog.objects.filter(model=ml_model).exists()


def test_evaluate_runs_in_the_background_when_web_runs_are_allowed(
    manager_client, ml_model, django_capture_on_commit_callbacks
):
    from config.celery import app

    _settings(only_cli=False)
    # The task runs in this process instead of a worker; the worker path is covered
    # by the Celery integration tests.
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = manager_client.post(
                reverse("models_app:evaluate", args=[ml_model.pk]),
                {"mode": "configuration", "interval": "quarters"},
            )
    finally:
        app.conf.task_always_eager = False
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("models_app:log", args=[ml_model.pk]) + "?queued="
    )
    log = ModelLog.objects.get(model=ml_model)
    assert log.kind == ModelLog.Kind.EVALUATION
    assert log.timefinished is not None
    assert [r["interval"] for r in log.details["results"]] == ["quarters"]


def test_run_now_is_refused_when_only_cli(manager_client, ml_model):
    AnalyticsModel.objects.filter(pk=ml_model.pk).update(enabled=True)
    _settings(only_cli=True)
    response = manager_client.post(
        reverse("models_app:run", args=[ml_model.pk]), follow=True
    )
    assert "predict_models --modelid" in response.content.decode()


# --- clear, delete -------------------------------------------------------------


def test_clear_predictions_deletes_only_this_models(manager_client, ml_model, course):
    from access.selectors import context_of
    from insights.models import Prediction

    other = AnalyticsModel.objects.get(target="no_teaching")
    context = context_of(course)
    for model in (ml_model, other):
        Prediction.objects.create(
            model=model,
            context=context,
            sampleid=1,
            rangeindex=0,
            prediction=1,
            predictionscore=0.9,
        )
    url = reverse("models_app:clear", args=[ml_model.pk])
    assert manager_client.get(url).status_code == 200  # the confirmation
    manager_client.post(url)
    assert Prediction.objects.filter(model=ml_model).count() == 0
    assert Prediction.objects.filter(model=other).count() == 1


def test_delete_after_confirmation(manager_client, ml_model):
    url = reverse("models_app:delete", args=[ml_model.pk])
    assert manager_client.get(url).status_code == 200
    assert AnalyticsModel.objects.filter(pk=ml_model.pk).exists() is True
    manager_client.post(url)
    assert AnalyticsModel.objects.filter(pk=ml_model.pk).exists() is False


# --- export and import ---------------------------------------------------------


def test_export_then_import_round_trips_the_configuration(manager_client, ml_model):
    response = manager_client.get(reverse("models_app:export", args=[ml_model.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        config = json.loads(archive.read("model-config.json"))
    assert config["target"] == "\\core_course\\analytics\\target\\course_dropout"
    assert config["timesplitting"] == "\\core\\analytics\\time_splitting\\quarters"
    assert "\\core\\analytics\\indicator\\read_actions" in config["indicators"]

    before = AnalyticsModel.objects.count()
    _upload(manager_client, response.content)
    assert AnalyticsModel.objects.count() == before + 1
    imported = AnalyticsModel.objects.latest("id")
    assert imported.target == "course_dropout"
    assert sorted(imported.indicators) == sorted(DROPOUT_INDICATORS)
    assert imported.interval == "quarters"
    assert imported.enabled is False


def test_a_moodle_export_with_known_keys_imports(manager_client):
    config = {
        "target": "\\core_course\\analytics\\target\\course_dropout",
        "timesplitting": "\\core\\analytics\\time_splitting\\deciles",
        "indicators": [
            "\\core\\analytics\\indicator\\any_write_action_in_course",
            "\\mod_forum\\analytics\\indicator\\social_breadth",
            "\\core_course\\analytics\\indicator\\completion_enabled",
        ],
        "processor": "\\mlbackend_python\\processor",
        "dependencies": {"core": "2022112810"},
    }
    _upload(manager_client, _zip({"model-config.json": json.dumps(config)}))
    model = AnalyticsModel.objects.latest("id")
    assert model.indicators == [
        "any_write_action_in_course",
        "mod_forum_social_breadth",
        "completion_enabled",
    ]
    assert (model.interval, model.processor) == ("deciles", "mlbackend")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not a zip", "not a zip file"),
        (_zip({"../evil.json": "{}", "model-config.json": "{}"}), "outside its folder"),
        (_zip({"other.txt": "x"}), "has no model-config.json"),
        (_zip({"model-config.json": "{not json"}), "not valid JSON"),
        (
            _zip(
                {
                    "model-config.json": json.dumps(
                        {
                            "target": "\\block_x\\analytics\\target\\nope",
                            "timesplitting": "\\core\\analytics\\time_splitting\\quarters",
                            "indicators": ["\\mod_foo\\analytics\\indicator\\bar"],
                        }
                    )
                }
            ),
            "does not have",
        ),
        (
            _zip(
                {
                    "model-config.json": json.dumps(
                        {
                            "target": "course_dropout",
                            "timesplitting": "quarters",
                            "indicators": ["read_actions"],
                        }
                    ),
                    "mlbackend/model.zip": b"x",
                    "mlbackend/processor.json": json.dumps({"processor": "tensorflow"}),
                }
            ),
            "not installed",
        ),
    ],
)
def test_bad_imports_are_refused_and_create_nothing(manager_client, data, message):
    before = AnalyticsModel.objects.count()
    response = _upload(manager_client, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AnalyticsModel.objects.count() == before


def test_unknown_keys_are_all_listed(manager_client):
    config = {
        "target": "\\core_course\\analytics\\target\\course_dropout",
        "timesplitting": "\\core\\analytics\\time_splitting\\thirds",
        "indicators": ["\\mod_foo\\analytics\\indicator\\bar", "read_actions"],
    }
    page = _upload(manager_client, _zip({"model-config.json": json.dumps(config)}))
    text = page.content.decode()
    assert "thirds" in text
    assert "mod_foo" in text


def test_too_large_an_upload_is_refused(manager_client, monkeypatch):
    monkeypatch.setattr("models_app.services.transfer.MAX_UPLOAD_BYTES", 100)
    before = AnalyticsModel.objects.count()
    page = _upload(manager_client, b"x" * 200)
    assert "too large" in page.content.decode()
    assert AnalyticsModel.objects.count() == before


def test_rule_based_models_cannot_be_exported(manager_client):
    model = AnalyticsModel.objects.get(target="no_teaching")
    response = manager_client.get(
        reverse("models_app:export", args=[model.pk]), follow=True
    )
    assert "cannot be exported" in response.content.decode()


# --- logs and evaluation reports -----------------------------------------------


def test_evaluation_report_shows_scores_best_interval_and_graphs(
    manager_client, ml_model, settings
):
    from settings_app.selectors import models_output_dir

    folder = models_output_dir() / "x" / "evaluation" / "1"
    folder.mkdir(parents=True)
    (folder / "roc-curve.png").write_bytes(b"\x89PNG fake")
    (folder / "metrics.json").write_text(
        json.dumps({"auc": 0.91, "score_deviation": 0.01})
    )
    log = ModelLog.objects.create(
        model=ml_model,
        kind=ModelLog.Kind.EVALUATION,
        result="ok",
        details={
            "results": [
                {
                    "interval": "quarters",
                    "status": 4,
                    "score": 0.61,
                    "info": ["low"],
                    "samples": 90,
                },
                {
                    "interval": "deciles",
                    "status": 0,
                    "score": 0.83,
                    "info": [],
                    "samples": 90,
                    "dir": str(folder),
                },
            ]
        },
    )
    page = manager_client.get(reverse("models_app:log_detail", args=[log.pk]))
    text = page.content.decode()
    assert "Results using" in text
    assert "0.8300" in text
    assert 'name="interval" value="deciles"' in text  # the best one, offered
    assert "0.9100" in text
    graph = manager_client.get(
        reverse("models_app:graph", args=[log.pk, 1, "roc-curve.png"])
    )
    assert graph.status_code == 200
    assert b"".join(graph.streaming_content) == b"\x89PNG fake"
    assert (
        manager_client.get(
            reverse("models_app:graph", args=[log.pk, 1, "secrets.txt"])
        ).status_code
        == 404
    )
    assert (
        manager_client.get(
            reverse("models_app:graph", args=[log.pk, 0, "roc-curve.png"])
        ).status_code
        == 404
    )

    # "Use this analysis interval" asks first and says what is lost.
    url = reverse("models_app:use_interval", args=[ml_model.pk])
    asked = manager_client.post(url, {"interval": "deciles"}).content.decode()
    ml_model.refresh_from_db()
    assert ml_model.interval == "quarters"
    assert "clears what it has learned" in asked and 'id="confirm"' in asked
    manager_client.post(url, {"interval": "deciles", "confirm": "yes"})
    ml_model.refresh_from_db()
    assert ml_model.interval == "deciles"


def test_graphs_outside_the_models_directory_are_not_served(
    manager_client, ml_model, tmp_path
):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "roc-curve.png").write_bytes(b"secret")
    log = ModelLog.objects.create(
        model=ml_model,
        kind=ModelLog.Kind.EVALUATION,
        result="ok",
        details={
            "results": [
                {"interval": "quarters", "status": 0, "score": 0.9, "dir": str(outside)}
            ]
        },
    )
    response = manager_client.get(
        reverse("models_app:graph", args=[log.pk, 0, "roc-curve.png"])
    )
    assert response.status_code == 404


def test_header_links_to_the_models_page_only_for_managers(client, manager, teacher):
    client.force_login(manager)
    assert 'id="models-link"' in client.get(reverse("insights:list")).content.decode()
    client.force_login(teacher)
    assert (
        'id="models-link"' not in client.get(reverse("insights:list")).content.decode()
    )


def test_a_model_without_name_is_called_by_its_target():
    model = AnalyticsModel(target="no_recent_accesses")
    assert str(model) == "Students who have not accessed the course recently"
    assert str(AnalyticsModel(target="gone_plugin")) == "gone_plugin"
    assert str(AnalyticsModel(target="no_teaching", name="Mine")) == "Mine"
