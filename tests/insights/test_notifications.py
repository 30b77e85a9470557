"""Insight notifications (issue 14.4): a subject per model and course, the
greeting's space, the recipient's chosen language, links to the site's address
with its port, and emails that do not flood a command's output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from insights.models import Notification
from insights.services import insights_generate
from lms.models import UserProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("emails_inline")]

ROOT = Path(__file__).resolve().parents[2]


def test_subjects_name_the_model_and_the_course(
    course_model, make_prediction, enrolment, teacher
):
    from models_app.models import AnalyticsModel

    other = AnalyticsModel.objects.create(
        target="fake_course_risk", enabled=True, trained=True, name="Late hand-ins"
    )
    insights_generate(
        model=course_model, predictions=[make_prediction(course_model, enrolment)]
    )
    insights_generate(model=other, predictions=[make_prediction(other, enrolment)])

    subjects = set(
        Notification.objects.filter(user=teacher).values_list("subject", flat=True)
    )

    assert subjects == {"Students at risk: Biology", "Late hand-ins: Biology"}


def test_the_notification_list_keeps_the_greetings_space(
    client, course_model, make_prediction, enrolment, teacher
):
    insights_generate(
        model=course_model, predictions=[make_prediction(course_model, enrolment)]
    )
    client.force_login(teacher)

    page = client.get(reverse("insights:notifications")).content.decode()

    assert "Hi Tess, " in page and "Hi Tess,S" not in page


def test_a_teacher_chooses_the_language_of_their_notifications(
    client,
    course_model,
    make_prediction,
    enrolment,
    teacher,
    django_capture_on_commit_callbacks,
):
    from tests.fixtures.catalogues import catalogues_compile

    catalogues_compile()
    client.force_login(teacher)
    page = client.get(reverse("insights:preferences")).content.decode()
    assert 'name="language"' in page

    client.post(
        reverse("insights:preferences"),
        {"email_notifications": "on", "language": "es"},
    )

    assert UserProfile.objects.get(user=teacher).lang == "es"
    with django_capture_on_commit_callbacks(execute=True):
        insights_generate(
            model=course_model, predictions=[make_prediction(course_model, enrolment)]
        )
    (message,) = [m for m in mail.outbox if m.to == [teacher.email]]
    assert "Ver la perspectiva" in message.body
    assert "/es/insights/" in message.body  # the link opens the Spanish page


def test_links_use_the_address_the_demo_runs_at_with_its_port(
    settings,
    tmp_path,
    course_model,
    make_prediction,
    enrolment,
    teacher,
    django_capture_on_commit_callbacks,
):
    settings.FORESIGHT_SITE_URL = ""
    settings.FORESIGHT_DATA_DIR = tmp_path
    (tmp_path / "site-url").write_text("http://127.0.0.1:8001\n")

    with django_capture_on_commit_callbacks(execute=True):
        (insight,) = insights_generate(
            model=course_model, predictions=[make_prediction(course_model, enrolment)]
        )

    (message,) = [m for m in mail.outbox if m.to == [teacher.email]]
    assert f"http://127.0.0.1:8001/insights/{insight.pk}/" in message.body


def test_without_an_email_url_emails_are_files_not_command_output(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_EMAIL_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["FORESIGHT_DATA_DIR"] = str(tmp_path)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "django.setup(); from django.conf import settings;"
        "print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [
        "django.core.mail.backends.filebased.EmailBackend",
        str(tmp_path / "emails"),
    ]
