"""The estimator is chosen per model: on the models page and in the admin, checked,
and a change clears what the model learnt (its stored model used the old one)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from models_app.forms import AnalyticsModelAdminForm
from models_app.models import AnalyticsModel
from models_app.services.models import (
    analytics_model_changes_clear,
    analytics_model_create,
    analytics_model_update,
)

pytestmark = pytest.mark.django_db
INDICATORS = ["any_write_action_in_course", "read_actions"]


@pytest.fixture
def model():
    return analytics_model_create(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )


def test_a_new_model_uses_the_default_estimator(model):
    assert model.estimator == ""


def test_an_unknown_estimator_is_refused(model):
    with pytest.raises(ValidationError, match="Unknown estimator svm"):
        analytics_model_update(model=model, data={"estimator": "svm"})
    with pytest.raises(ValidationError, match="Unknown estimator svm"):
        analytics_model_create(
            target="course_dropout", indicators=INDICATORS, estimator="svm"
        )


def test_changing_the_estimator_clears_the_model(model):
    AnalyticsModel.objects.filter(pk=model.pk).update(trained=True)
    model.refresh_from_db()
    data = {"estimator": "gradient_boosting"}
    assert analytics_model_changes_clear(model=model, data=data) is True
    analytics_model_update(model=model, data=data)
    model.refresh_from_db()
    assert (model.estimator, model.trained) == ("gradient_boosting", False)


def test_the_models_page_edits_the_estimator(client, manager, model):
    client.force_login(manager)
    url = reverse("models_app:edit", args=[model.pk])
    form = client.get(url).content.decode()
    assert 'name="estimator"' in form and 'value="neural_network"' in form
    post = {
        "name": "",
        "indicators": INDICATORS,
        "interval": "quarters",
        "processor": "",
        "estimator": "neural_network",
    }
    confirm = client.post(url, post)
    assert "estimator clears" in confirm.content.decode()
    assert client.post(url, {**post, "confirm": "yes"}).status_code == 302
    model.refresh_from_db()
    assert model.estimator == "neural_network"
    listing = client.get(reverse("models_app:list")).content.decode()
    assert "Neural network (small MLP)" in listing


def test_the_admin_form_offers_the_estimator(model):
    form = AnalyticsModelAdminForm(instance=model)
    assert "estimator" in form.fields
    assert ("gradient_boosting", "Gradient boosting") in form.fields[
        "estimator"
    ].choices
