"""In headless Chromium, the prediction page of a model trained for real with
indicators and their classmates variants shows each measure once: the pair the
model weighed with opposite signs is one reason, with the net direction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

PAIRED = [
    "any_course_access",
    "read_actions",
    "read_actions_classmates",
    "days_since_last_access",
    "days_since_last_access_classmates",
]
SHOT = Path("/tmp/reasons_grouped_prediction.png")


@pytest.fixture(autouse=True)
def _default_roles(transactional_db):
    from django.apps import apps

    from access.defaults import defaults_install
    from access.models import Role

    if not Role.objects.exists():
        defaults_install(apps)


@pytest.fixture(autouse=True)
def _english_urls():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def paired_predictions(admin_user):
    """Predictions of a dropout model trained with the classmates pairs, and the
    running course's teacher (staff, known password: the admin login form)."""
    from access.models import RoleAssignment
    from insights.models import Prediction
    from models_app.services.running import model_predict, model_train
    from tests.models_app.running_site import (
        NOW,
        dropout_model,
        finished_course,
        running_course,
    )

    finished_course(), finished_course()
    running = running_course(students=6)
    teacher = (
        RoleAssignment.objects.filter(
            role__archetype="editingteacher", context__instanceid=running.pk
        )
        .select_related("user")
        .get()
        .user
    )
    teacher.is_staff = True
    teacher.set_password(DEFAULT_PASSWORD)
    teacher.save()
    model = dropout_model(name="Students at risk of dropping out", indicators=PAIRED)
    model_train(model=model, now=NOW)
    model_predict(model=model, now=NOW)
    return list(Prediction.objects.filter(model=model)), teacher


def test_the_prediction_page_shows_each_measure_once(
    paired_predictions, new_page, admin_login, live_url
):
    predictions, teacher = paired_predictions
    prediction = predictions[0]
    weights = {i["key"]: i["weight"] for i in prediction.reasons["items"]}
    base, paired = "days_since_last_access", "days_since_last_access_classmates"
    assert (weights[base] > 0) != (weights[paired] > 0), (
        "the trained model weighs the pair with opposite signs"
    )
    page = new_page()
    admin_login(page, username=teacher.username, password=DEFAULT_PASSWORD)

    page.goto(live_url("insights:prediction", pk=prediction.pk))

    items = page.locator("#reasons li")
    keys = [items.nth(k).get_attribute("data-key") for k in range(items.count())]
    assert keys and len(keys) == len(set(keys))
    assert "days_since_last_access_classmates" not in keys
    assert "read_actions_classmates" not in keys
    texts = [t.strip() for t in page.locator("#reasons .reason-text").all_inner_texts()]
    assert len(texts) == len(set(texts))
    assert sum("Read actions" in t for t in texts) == 1
    assert not any("compared with classmates" in t for t in texts)
    days = page.locator('#reasons li[data-key="days_since_last_access"]')
    net_raises = weights[base] + weights[paired] > 0
    effect = days.locator(".reason-effect").inner_text()
    assert ("raises the risk" in effect) is net_raises
    assert "classmates" in days.locator(".reason-text").inner_text()
    page.locator("details.all-indicators summary").click()
    values = page.locator("#indicator-values li").all_inner_texts()
    assert sum("Read actions" in v for v in values) == 1
    page.screenshot(path=str(SHOT), full_page=True)
    assert re.search(r"No access|Accessed", days.inner_text())
