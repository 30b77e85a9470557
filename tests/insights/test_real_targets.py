"""The insights pages work with every registered target, not only the fakes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from insights.actions import bulk_actions_of, target_for
from insights.models import Notification, PredictionAction
from insights.services import insights_generate
from models_app.models import AnalyticsModel
from models_app.plugins import registry

pytestmark = pytest.mark.django_db

REAL_TARGETS = sorted(key for key in registry.TARGETS if not key.startswith("fake_"))


@pytest.mark.parametrize("key", REAL_TARGETS)
def test_a_real_target_routes_renders_and_accepts_its_actions(
    key, client, make_prediction, enrolment, course, student, teacher, manager
):
    target = target_for(key)
    sample, recipient = {
        "enrolment": (enrolment, teacher),
        "course": (course, manager),
        "user": (student, student),
    }[target.sample_kind]
    model = AnalyticsModel.objects.create(target=key, enabled=True, trained=True)
    prediction = make_prediction(model, sample)

    (insight,) = insights_generate(model=model, predictions=[prediction])

    notification = Notification.objects.get(insight=insight, user=recipient)
    assert notification.subject
    client.force_login(recipient)
    assert client.get(insight.get_absolute_url()).status_code == 200
    details = client.get(reverse("insights:prediction", args=[prediction.pk]))
    assert details.status_code == 200
    action = bulk_actions_of(target)[-1].name
    response = client.post(
        reverse("insights:prediction_action", args=[prediction.pk]),
        {"action": action},
    )
    assert response.status_code == 302
    assert PredictionAction.objects.filter(
        prediction=prediction, user=recipient, actionname=action
    ).exists()
