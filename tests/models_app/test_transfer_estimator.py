"""A model's export carries the estimator it learns with; an import restores it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from models_app.models import AnalyticsModel
from models_app.services.transfer import (
    CONFIG_NAME,
    analytics_model_export,
    analytics_model_import,
)
from tests.fixtures.fuzz.models_import import corpus

pytestmark = pytest.mark.django_db


def _config_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read(CONFIG_NAME))


def _zip_of(config: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(CONFIG_NAME, json.dumps(config))
    return buffer.getvalue()


def test_the_estimator_goes_with_the_model_and_comes_back():
    model = AnalyticsModel.objects.create(
        target="course_dropout",
        indicators=["read_actions"],
        interval="quarters",
        estimator="gradient_boosting",
    )
    exported = analytics_model_export(model=model).content
    assert _config_of(exported)["estimator"] == "gradient_boosting"

    imported = analytics_model_import(data=exported)
    assert imported.pk != model.pk
    assert imported.estimator == "gradient_boosting"


def test_an_export_without_an_estimator_keeps_the_default():
    """Older exports and Moodle's own name none: the model keeps the default."""
    assert "estimator" not in corpus.CONFIG
    assert analytics_model_import(data=_zip_of(corpus.CONFIG)).estimator == ""


@pytest.mark.parametrize("value", ["random_forest", "", 7, None, ["x"]])
def test_an_unknown_estimator_is_left_at_the_default(value):
    imported = analytics_model_import(
        data=_zip_of({**corpus.CONFIG, "estimator": value})
    )
    assert imported.estimator == ""


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("Dropout risk — 1st year (Álgebra)", "model-dropout-risk-1st-year-algebra-"),
        ("", "model-course_dropout-"),
        ("¿?", "model-course_dropout-"),
    ],
)
def test_the_export_file_is_named_after_the_model(name, part):
    model = AnalyticsModel.objects.create(
        name=name,
        target="course_dropout",
        indicators=["read_actions"],
        interval="quarters",
    )
    filename = analytics_model_export(model=model).filename
    assert filename.startswith(part)
    assert filename.endswith(".zip")
    assert filename.isascii() and '"' not in filename
