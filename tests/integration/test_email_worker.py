"""Emails through real Celery workers and a real SMTP server on 127.0.0.1 (issue 19.4).

- On the embedded defaults (`make demo`: filesystem broker, the worker bin/demo
  starts), a teacher's message to a student and the insight's notification are
  delivered by the worker, and the teacher's request never talked to the mail server.
- On Redis, a mail server that refuses service ends as "failed" after the retries,
  with its reply recorded, shown in the admin and counted in /metrics.
- On Redis, a duplicated task and a retried one never send an email twice.

Workers are subprocesses on the test database (see celery_worker.py); each Redis
test uses a queue of its own.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.selectors import context_of
from config.celery import app as celery_app
from insights.models import EmailDelivery, Prediction, StudentMessage
from insights.services import insights_generate
from insights.tasks import email_deliveries_send_task
from lms.models import Enrolment
from models_app.models import AnalyticsModel
from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory
from tests.integration.celery_worker import (
    Worker,
    queue_name,
    redis_queue_clear,
    redis_url,
    wait_for,
    worker_env,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def insight(course, teacher, student):
    """A dropout insight on `student` in `course`, told to `teacher`."""
    model = AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, trained=True, name="Dropout"
    )
    prediction = Prediction.objects.create(
        model=model,
        context=context_of(course),
        sampleid=Enrolment.objects.get(user=student, course=course).pk,
        rangeindex=0,
        prediction=1,
        predictionscore=0.9,
    )
    (insight,) = insights_generate(model=model, predictions=[prediction])
    return insight


@pytest.fixture
def queue():
    name = queue_name()
    redis_queue_clear(redis_url(), name)
    yield name
    redis_queue_clear(redis_url(), name)


@pytest.fixture
def start_worker(tmp_path):
    """`start(name, env)`: a worker, stopped at teardown."""
    started: list[Worker] = []

    def start(name: str, env: dict[str, str]) -> Worker:
        worker = Worker(name=name, env=env, log=tmp_path / f"{name}.log")
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


def _send_on_redis(queue: str, delivery_ids: list[int]) -> None:
    with celery_app.connection_for_write(redis_url()) as connection:
        email_deliveries_send_task.apply_async(
            args=[delivery_ids], connection=connection, queue=queue
        )


def _statuses() -> dict[str, str]:
    return {
        str(delivery): delivery.status
        for delivery in EmailDelivery.objects.select_related(
            "notification__user", "student_message__recipient"
        )
    }


def test_the_demo_worker_delivers_what_the_teachers_request_only_queued(
    settings, client, smtp_server, insight, teacher, student, start_worker
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    teacher.email, student.email = "tess@school.example", "sam@school.example"
    teacher.save()
    student.save()
    client.force_login(teacher)
    prediction = Prediction.objects.get()

    response = client.post(
        reverse("insights:student_message", args=[insight.pk]),
        {"predictions": [prediction.pk], "subject": "Biology", "body": "Talk soon?"},
    )

    # The request (whose transaction has committed) returned without a word to
    # the mail server: the email is queued on the embedded broker.
    assert response.status_code == 302
    assert smtp_server.connections == 0
    message = StudentMessage.objects.get()
    assert message.email.status == "pending"
    assert any((settings.FORESIGHT_DATA_DIR / "broker" / "queue").iterdir())

    env = worker_env(broker="filesystem://", DJANGO_EMAIL_URL=smtp_server.url)
    env.pop("CELERY_BROKER_URL")  # the default: the embedded broker
    worker = start_worker("demo", env)
    wait_for(
        lambda: set(_statuses().values()) == {"sent"} and len(_statuses()) == 2,
        timeout=60,
        what="the worker to send the message and the notification",
        detail=lambda: f"{_statuses()}\n{worker.output()}",
    )
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    assert set(by_recipient) == {"sam@school.example", "tess@school.example"}
    assert by_recipient["sam@school.example"]["Reply-To"] == "tess@school.example"
    assert by_recipient["sam@school.example"].get_payload().strip() == "Talk soon?"
    message.refresh_from_db()
    assert message.timeemailed is not None


def test_a_mail_server_that_refuses_ends_failed_in_the_admin_and_the_metrics(
    settings, client, smtp_server, insight, teacher, queue, start_worker
):
    smtp_server.refuse_greeting = True
    (delivery,) = EmailDelivery.objects.all()
    start_worker(
        "refused",
        worker_env(
            broker=redis_url(),
            FORESIGHT_TEST_QUEUE=queue,
            DJANGO_EMAIL_URL=smtp_server.url,
            FORESIGHT_EMAIL_RETRIES="2",
            FORESIGHT_EMAIL_RETRY_DELAY="1",
        ),
    )

    _send_on_redis(queue, [delivery.pk])

    wait_for(
        lambda: EmailDelivery.objects.filter(status="failed").exists(),
        timeout=60,
        what="the email to be marked failed",
        detail=lambda: str(_statuses()),
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and smtp_server.connections == 3
    assert delivery.last_error == (
        "SMTPConnectError: 554 5.3.2 Service refused for the tests"
    )

    admin = UserFactory(username="mail-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(
        reverse("admin:insights_notification_changelist"),
        {"email__status__exact": "failed"},
    ).content.decode()
    assert "554 5.3.2 Service refused for the tests" in page
    assert teacher.get_username() in page

    settings.FORESIGHT_METRICS_TOKEN = "metrics-token"
    metrics = client.get(
        reverse("ops:metrics"), HTTP_AUTHORIZATION="Bearer metrics-token"
    ).content.decode()
    assert "foresight_notification_emails_failed 1.0" in metrics
    assert 'foresight_notification_emails_total{outcome="sent"} 0.0' in metrics


def test_a_duplicated_and_a_retried_task_send_each_email_once(
    course, smtp_server, insight, teacher, queue, start_worker
):
    second = UserFactory(username="second", email="second@example.org")
    EnrolmentFactory(user=second, course=course)
    RoleAssignmentFactory(user=second, role="teacher", context=course)
    EmailDelivery.objects.all().delete()  # the first run's, queued elsewhere
    insights_generate(model=insight.model, predictions=[Prediction.objects.get()])
    ids = list(EmailDelivery.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 2
    smtp_server.refuse_times["second@example.org"] = 1  # 451: try again later
    worker = start_worker(
        "once",
        worker_env(
            broker=redis_url(),
            FORESIGHT_TEST_QUEUE=queue,
            DJANGO_EMAIL_URL=smtp_server.url,
            FORESIGHT_EMAIL_RETRY_DELAY="1",
        ),
    )

    _send_on_redis(queue, ids)
    _send_on_redis(queue, ids)  # the same task twice (a producer's retry)

    wait_for(
        lambda: set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"},
        timeout=60,
        what="both emails to be sent",
        detail=lambda: f"{_statuses()}\n{worker.output()}",
    )
    # The retry of the first task finds nothing left to send.
    wait_for(
        lambda: (
            worker.output().count("succeeded") >= 2
            and "retry" in worker.output().lower()
        ),
        timeout=30,
        what="the first task's retry to run",
        detail=worker.output,
    )
    assert sorted(smtp_server.recipients()) == sorted([teacher.email, second.email])
