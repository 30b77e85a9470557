"""A teacher, in headless Chromium, from the notification email's link to the
course view, the prediction page with the model's reasons and the activity chart,
an action and a message to the student: in English and in Spanish (issue 14).

The model is trained and predicts for real (builtin processor, logistic
regression), and the test reads the trained model's own weights to know which
reason must come first, so the page is shown to give the model's reasons.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.factories import DEFAULT_PASSWORD

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path("/tmp")


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
def flagged_course(admin_user, settings, live_server):
    """A trained dropout model, its predictions on a running course, and the
    running course's teacher (staff, known password) with their email."""
    from django.core import mail

    from access.models import RoleAssignment
    from models_app.services.running import model_train
    from tests.models_app.running_site import (
        NOW,
        dropout_model,
        finished_course,
        running_course,
    )

    settings.FORESIGHT_SITE_URL = live_server.url
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
    teacher.first_name = "Tess"
    teacher.is_staff = True
    teacher.set_password(DEFAULT_PASSWORD)
    teacher.save()
    model = dropout_model(name="Students at risk of dropping out")
    model_train(model=model, now=NOW)
    mail.outbox.clear()
    return model, running, teacher, NOW


def _expected_top_reason(model, prediction) -> str:
    """The column with the largest log-odds term, from the stored trained model."""
    from models_app.analysis.csvfile import moodle_column
    from models_app.plugins.processors.builtin import BuiltinProcessor
    from models_app.services.running.common import model_storage

    model_id, output_dir = model_storage(model)
    processor = BuiltinProcessor()
    classifier = processor._load(processor._state(model_id, output_dir))
    site_columns = {moodle_column(c): c for c in prediction.calculations}
    row = np.array(
        [
            [
                prediction.calculations.get(site_columns.get(c), 0.0) or 0.0
                for c in classifier.columns_
            ]
        ]
    )
    weights = classifier.contributions(row).weights[0]
    names = [site_columns.get(c, c) for c in classifier.columns_]
    ranked = sorted(
        (
            (abs(w), name)
            for w, name in zip(weights, names, strict=True)
            if not name.startswith("range/") and not name.endswith("/mean")
        ),
        reverse=True,
    )
    return ranked[0][1]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.usefixtures("emails_inline")
def test_a_teacher_follows_the_email_to_reasons_acts_and_writes(
    language, flagged_course, new_page, admin_login
):
    from django.core import mail

    from insights.models import Insight, Prediction, StudentMessage
    from lms.models import UserProfile
    from models_app.services.running import model_predict
    from tests.fixtures.catalogues import catalogues_compile

    catalogues_compile()
    model, running, teacher, now = flagged_course
    UserProfile.objects.update_or_create(user=teacher, defaults={"lang": language})
    model_predict(model=model, now=now)
    insight = Insight.objects.get(model=model)
    (email,) = [m for m in mail.outbox if m.to == [teacher.email]]
    link = re.search(r"https?://\S+/insights/\d+/", email.body).group(0)
    prefix = "/es" if language == "es" else ""
    assert link.endswith(f"{prefix}/insights/{insight.pk}/")

    page = new_page(locale="es-ES" if language == "es" else "en-US")
    admin_login(page, username=teacher.username, password=DEFAULT_PASSWORD)
    page.goto(link)

    # The course view: how many of the class, by band, with reasons per row.
    summary = page.locator("#summary-title").inner_text()
    flagged = Prediction.objects.filter(model=model).count()
    word = "de" if language == "es" else "of"
    assert summary.startswith(f"{flagged} {word} 6 ")
    assert page.locator("#band-counts").is_visible()
    assert page.locator("#distribution-chart svg").count() == 1
    page.screenshot(
        path=str(SHOTS / f"walk_course_view_{language}.png"), full_page=True
    )
    prediction = Prediction.objects.filter(model=model).order_by("-predictionscore")[0]
    row = page.locator(f"#prediction-{prediction.pk}")
    assert row.locator(".reasons li").count() >= 1

    # The prediction page: the model's reasons, the top one first, and the chart.
    row.locator("td:nth-child(2) a").click()
    page.wait_for_url(re.compile(rf".*{prefix}/insights/predictions/{prediction.pk}/$"))
    top = _expected_top_reason(model, prediction)
    first = page.locator("#reasons li").first
    assert first.get_attribute("data-key") == top
    assert page.locator("#activity-chart svg title").count() >= 1
    page.screenshot(path=str(SHOTS / f"walk_prediction_{language}.png"), full_page=True)

    # An action, answered with a message in the page's language.
    page.locator("button.action-fixed").click()
    page.wait_for_load_state()
    saved = "Se ha guardado" if language == "es" else "has been saved"
    assert saved in page.locator(".messages").inner_text()
    assert prediction.actions.filter(actionname="fixed").exists()

    # A message to another flagged student, from the course view's row menu.
    other = Prediction.objects.filter(model=model).exclude(pk=prediction.pk).first()
    page.goto(link)
    other_row = page.locator(f"#prediction-{other.pk}")
    other_row.locator("details.menu summary").click()
    other_row.locator("button.action-studentmessage").click()
    page.wait_for_url(re.compile(r".*/message/\?predictions=.*"))
    page.fill("textarea[name=body]", "Can we meet on Monday?")
    page.click("button.send")
    page.wait_for_url(re.compile(rf".*{prefix}/insights/{insight.pk}/$"))
    assert StudentMessage.objects.filter(prediction=other).count() == 1
    assert page.locator(".messages").inner_text().strip()
