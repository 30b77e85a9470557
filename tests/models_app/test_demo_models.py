"""`manage.py demo_models`: the demo's first visit finds insights and a trained model."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from access.models import RoleAssignment
from insights.models import Notification, Prediction
from models_app.models import AnalyticsModel
from settings_app.models import AnalyticsSettings

pytestmark = pytest.mark.django_db


def test_the_demo_site_is_trained_and_predicted_once_with_runs_allowed_from_pages():
    call_command("generate_site", "--preset", "demo", "--seed", "1", stdout=None)
    dropout = AnalyticsModel.objects.get(target="course_dropout")
    assert (dropout.enabled, dropout.trained) == (False, False)
    assert AnalyticsSettings.load().only_cli is True

    call_command("demo_models")

    dropout.refresh_from_db()
    assert (dropout.enabled, dropout.trained, dropout.interval) == (
        True,
        True,
        "quarters",
    )
    assert AnalyticsSettings.load().only_cli is False
    assert Prediction.objects.filter(model=dropout).exists()
    # A teacher of the demo has insights to read on the first visit.
    teachers = RoleAssignment.objects.filter(
        role__archetype="editingteacher"
    ).values_list("user_id", flat=True)
    assert Notification.objects.filter(user_id__in=teachers).exists()
