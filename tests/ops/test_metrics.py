"""`/metrics`: counted from the database after a real training and prediction run,
behind the metrics token or a staff login."""

from __future__ import annotations

import pytest
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from insights.models import Notification, Prediction
from models_app.models import ModelLog
from models_app.services.running import Status, model_predict, model_train
from tests.factories import UserFactory
from tests.models_app.running_site import (
    NOW,
    dropout_model,
    finished_course,
    running_course,
)

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-tests"


@pytest.fixture
def metrics_token(settings):
    settings.FORESIGHT_METRICS_TOKEN = TOKEN
    return TOKEN


def _scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get(reverse("ops:metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_runs_predictions_and_notifications_after_a_real_run(client, metrics_token):
    finished_course(), finished_course(), running_course()
    model = dropout_model()
    assert model_train(model=model, now=NOW).status == Status.OK
    assert model_predict(model=model, now=NOW).status == Status.OK
    mid = str(model.pk)
    training = ModelLog.objects.get(model=model, kind="training")
    prediction = ModelLog.objects.get(model=model, kind="prediction")
    stored = Prediction.objects.filter(model=model).count()
    assert stored > 0

    samples = _scrape(client)

    runs = "foresight_model_runs_total"
    key = (("kind", "training"), ("model_id", mid), ("outcome", training.result))
    assert samples[(runs, key)] == 1
    key = (("kind", "prediction"), ("model_id", mid), ("outcome", prediction.result))
    assert samples[(runs, key)] == 1
    analysed = "foresight_samples_analysed_total"
    key = (("kind", "training"), ("model_id", mid))
    assert samples[(analysed, key)] == training.samples > 0
    assert samples[("foresight_predictions_total", (("model_id", mid),))] == stored
    duration = "foresight_model_run_duration_seconds"
    key = (("kind", "training"), ("model_id", mid))
    assert samples[(duration + "_count", key)] == 1
    assert samples[(duration + "_sum", key)] >= 0
    inf = (("kind", "training"), ("le", "+Inf"), ("model_id", mid))
    assert samples[(duration + "_bucket", inf)] == 1
    created = Notification.objects.count()
    assert samples[("foresight_notifications_total", ())] == created
    # Emails are queued by the run and sent by a worker: none has left yet.
    queued = Notification.objects.filter(email__status="pending").count()
    assert queued > 0
    assert samples[("foresight_notification_emails_pending", ())] == queued
    sent = ("foresight_notification_emails_total", (("outcome", "sent"),))
    assert samples[sent] == 0


def test_emails_are_counted_by_the_state_their_delivery_recorded(
    client, metrics_token, course
):
    """Sent, failed and pending are what the deliveries say, not an estimate: a
    notification without an email (no address, email turned off) counts in none."""
    from access.selectors import context_of
    from insights.models import EmailDelivery, Insight, StudentMessage

    finished_course()
    model = dropout_model()
    insight = Insight.objects.create(model=model, context=context_of(course))
    wants = UserFactory(username="wants", email="wants@example.org")
    no_address = UserFactory(username="noaddress", email="")
    for status in ("sent", "failed", "failed", "pending", "sending"):
        notification = Notification.objects.create(
            user=wants, insight=insight, subject="s"
        )
        EmailDelivery.objects.create(notification=notification, status=status)
    Notification.objects.create(user=no_address, insight=insight, subject="s")
    message = StudentMessage.objects.create(
        sender=no_address, recipient=wants, subject="s", body="b"
    )
    EmailDelivery.objects.create(student_message=message, status="failed")

    samples = _scrape(client)

    emails = "foresight_notification_emails_total"
    assert samples[(emails, (("outcome", "sent"),))] == 1
    assert samples[("foresight_notification_emails_failed", ())] == 2
    assert samples[("foresight_notification_emails_pending", ())] == 2
    assert samples[("foresight_notifications_total", ())] == 6
    messages = "foresight_student_message_emails_total"
    assert samples[("foresight_student_message_emails_failed", ())] == 1
    assert samples[(messages, (("outcome", "sent"),))] == 0
    assert samples[("foresight_student_message_emails_pending", ())] == 0


def test_metrics_need_the_token_or_staff(client, settings):
    settings.FORESIGHT_METRICS_TOKEN = ""
    url = reverse("ops:metrics")

    refused = client.get(url, HTTP_AUTHORIZATION="Bearer ")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")

    settings.FORESIGHT_METRICS_TOKEN = TOKEN
    assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200

    client.force_login(UserFactory(username="someone"))
    assert client.get(url).status_code == 401
    client.force_login(UserFactory(username="admin", is_staff=True))
    assert client.get(url).status_code == 200


def test_the_moodle_sync_lag_is_the_time_since_each_part_last_succeeded(
    client, metrics_token
):
    import datetime as dt

    from django.utils import timezone

    from moodlesync.models import SyncState

    hour_ago = timezone.now() - dt.timedelta(hours=1)
    SyncState.objects.create(part="log", last_success=hour_ago, last_run=hour_ago)
    SyncState.objects.create(part="users", status="failed")

    samples = _scrape(client)

    lag = samples[("foresight_sync_lag_seconds", (("part", "log"),))]
    assert 3600 <= lag < 3600 + 60
    stamp = ("foresight_sync_last_success_timestamp_seconds", (("part", "log"),))
    assert samples[stamp] == pytest.approx(hour_ago.timestamp())
    assert samples[("foresight_sync_ok", (("part", "log"),))] == 1
    assert samples[("foresight_sync_ok", (("part", "users"),))] == 0
    assert ("foresight_sync_lag_seconds", (("part", "users"),)) not in samples
