"""Emails leave through a Celery task (issue 19.4): queued as deliveries in the
writing transaction, sent once each after it commits, retried with backoff while the
mail server fails, then marked failed with the reason, shown in the admin and the
metrics, and sent again from the admin. Notification emails link to Moodle where the
prediction pages do (issue 15.4).

The task runs in this process here (`apply()`, or eagerly on commit); the worker and
broker path is in tests/integration/test_email_worker.py.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from insights.models import EmailDelivery, Notification, StudentMessage
from insights.services import insights_generate
from insights.student_messages import student_messages_send
from insights.tasks import email_deliveries_send_task
from lms.models import UserProfile
from ops.metrics import metrics_text

pytestmark = pytest.mark.django_db


def _ids() -> list[int]:
    return list(EmailDelivery.objects.order_by("pk").values_list("pk", flat=True))


def _smtp(settings, host: str, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = host, port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10


def _metric(name: str, outcome: str | None = None) -> float:
    label = f'{{outcome="{outcome}"}}' if outcome else ""
    for line in metrics_text().decode().splitlines():
        if line.startswith(f"{name}{label} "):
            return float(line.split()[-1])
    raise AssertionError(f"{name}{label} is not in the metrics")


def _notify(model, make_prediction, enrolment) -> None:
    """A prediction run's insight, told to the course's teachers."""
    insights_generate(model=model, predictions=[make_prediction(model, enrolment)])


def _down(settings, port: int, *, retries: int) -> None:
    """The mail server is down (nothing listens on `port`)."""
    settings.FORESIGHT_EMAIL_RETRIES = retries
    _smtp(settings, "127.0.0.1", port)


@pytest.fixture
def admin_client_(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "mail-admin", "admin@example.org", "pw"
    )
    client.force_login(admin)
    return client


def test_a_run_queues_the_emails_and_a_task_sends_them_after_commit(
    course_model,
    make_prediction,
    enrolment,
    teacher,
    noneditingteacher,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        insights_generate(
            model=course_model, predictions=[make_prediction(course_model, enrolment)]
        )
    # The run itself sent nothing: one pending delivery per recipient, one task
    # to fire once the transaction commits.
    assert mail.outbox == []
    assert len(callbacks) == 1
    deliveries = EmailDelivery.objects.order_by("pk")
    assert [d.notification.user for d in deliveries] == [teacher, noneditingteacher]
    assert {(d.status, d.attempts) for d in deliveries} == {("pending", 0)}

    email_deliveries_send_task.apply(args=[_ids()])

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [teacher.email, noneditingteacher.email]
    )
    assert {(d.status, d.attempts, d.last_error) for d in deliveries.all()} == {
        ("sent", 1, "")
    }
    assert all(d.timesent is not None for d in deliveries.all())
    assert not Notification.objects.filter(timeemailed__isnull=True).exists()


def test_a_task_run_twice_sends_each_email_once(
    course_model, make_prediction, enrolment, teacher, noneditingteacher
):
    _notify(course_model, make_prediction, enrolment)

    email_deliveries_send_task.apply(args=[_ids()])
    email_deliveries_send_task.apply(args=[_ids()])  # a duplicate, or a redelivery

    assert len(mail.outbox) == 2
    assert set(EmailDelivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_retry_sends_only_the_emails_the_server_put_off(
    settings, smtp_server, course_model, make_prediction, enrolment, teacher
):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    settings.FORESIGHT_EMAIL_RETRIES = 3
    _smtp(settings, smtp_server.host, smtp_server.port)
    second = UserFactory(username="second", email="second@example.org")
    EnrolmentFactory(user=second, course=enrolment.course)
    RoleAssignmentFactory(user=second, role="teacher", context=enrolment.course)
    smtp_server.refuse_times["second@example.org"] = 1  # "451 try again later"
    _notify(course_model, make_prediction, enrolment)

    email_deliveries_send_task.apply(args=[_ids()])

    assert sorted(smtp_server.recipients()) == sorted([teacher.email, second.email])
    attempts = dict(
        EmailDelivery.objects.values_list("notification__user__username", "attempts")
    )
    assert attempts == {"teacher": 1, "second": 2}
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_mail_server_down_ends_failed_with_the_reason_in_the_admin_and_metrics(
    settings,
    refused_port,
    admin_client_,
    course_model,
    make_prediction,
    enrolment,
    teacher,
):
    _down(settings, refused_port, retries=2)
    _notify(course_model, make_prediction, enrolment)

    email_deliveries_send_task.apply(args=[_ids()])

    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error.startswith("ConnectionRefusedError:"), (
        delivery.last_error
    )
    assert "Traceback" not in delivery.last_error and "\n" not in delivery.last_error
    assert delivery.timesent is None
    assert Notification.objects.get().timeemailed is None

    url = reverse("admin:insights_notification_changelist")
    page = admin_client_.get(url, {"email__status__exact": "failed"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "ConnectionRefusedError" in text and ">failed<" in text
    assert "Send again" in text
    assert "1 notification" in text
    assert " By email " in " ".join(text.split())
    sent_only = admin_client_.get(url, {"email__status__exact": "sent"})
    assert "0 notifications" in sent_only.content.decode()
    listed = admin_client_.get(reverse("admin:insights_emaildelivery_changelist"))
    assert "ConnectionRefusedError" in listed.content.decode()

    assert _metric("foresight_notification_emails_failed") == 1
    assert _metric("foresight_notification_emails_total", "sent") == 0
    assert _metric("foresight_notification_emails_pending") == 0


def test_send_again_in_the_admin_queues_the_failed_email_once(
    settings,
    refused_port,
    admin_client_,
    course_model,
    make_prediction,
    enrolment,
    teacher,
    django_capture_on_commit_callbacks,
):
    _down(settings, refused_port, retries=0)
    _notify(course_model, make_prediction, enrolment)
    email_deliveries_send_task.apply(args=[_ids()])
    notification = Notification.objects.get()
    assert notification.email.status == "failed"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    url = reverse("admin:insights_notification_changelist")

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client_.post(
            url,
            {"action": "send_again", "_selected_action": [notification.pk]},
            follow=True,
        )
    assert "1 email queued to be sent again." in response.content.decode()
    assert EmailDelivery.objects.get().status == "pending"
    assert mail.outbox == []  # queued, not sent by the admin's request
    for callback in callbacks:
        callback()
    email_deliveries_send_task.apply(args=[_ids()])
    (email,) = mail.outbox
    assert email.to == [teacher.email]
    assert EmailDelivery.objects.get().status == "sent"

    again = admin_client_.post(
        url,
        {"action": "send_again", "_selected_action": [notification.pk]},
        follow=True,
    )
    assert "were left alone" in again.content.decode() or "was left alone" in (
        again.content.decode()
    )
    email_deliveries_send_task.apply(args=[_ids()])
    assert len(mail.outbox) == 1


def test_the_student_message_request_queues_the_email_and_sends_nothing(
    settings,
    smtp_server,
    client,
    teacher,
    course_model,
    make_prediction,
    enrolment,
    student,
    django_capture_on_commit_callbacks,
):
    """The request never talks to the mail server, even after its transaction
    commits: a worker does."""
    from models_app.models import AnalyticsModel

    _smtp(settings, smtp_server.host, smtp_server.port)
    model = AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, trained=True, name="Dropout"
    )
    prediction = make_prediction(model, enrolment)
    (insight,) = insights_generate(model=model, predictions=[prediction])
    EmailDelivery.objects.all().delete()
    client.force_login(teacher)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("insights:student_message", args=[insight.pk]),
            {"predictions": [prediction.pk], "subject": "Hi", "body": "Talk soon?"},
        )

    assert response.status_code == 302
    assert smtp_server.connections == 0
    message = StudentMessage.objects.get()
    assert message.email.status == "pending"
    assert len(callbacks) == 1


def test_students_without_an_address_get_no_delivery(
    teacher, course_model, make_prediction, enrolment, student
):
    from models_app.models import AnalyticsModel

    model = AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, trained=True, name="Dropout"
    )
    student.email = ""
    student.save()
    student_messages_send(
        sender=teacher,
        predictions=[make_prediction(model, enrolment)],
        subject="Hi",
        body="Hello",
    )
    assert StudentMessage.objects.count() == 1
    assert not EmailDelivery.objects.of_student_messages().exists()


def test_a_recipient_whose_address_went_away_fails_without_retries(
    settings, course_model, make_prediction, enrolment, teacher
):
    settings.FORESIGHT_EMAIL_RETRIES = 5
    _notify(course_model, make_prediction, enrolment)
    type(teacher).objects.filter(pk=teacher.pk).update(email="")
    email_deliveries_send_task.apply(args=[_ids()])

    delivery = EmailDelivery.objects.get(notification__user=teacher)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "The recipient has no email address."


@pytest.fixture
def synced_course(settings, course):
    """The course as the Moodle sync leaves it: its Moodle id kept."""
    from moodlesync.models import ExternalId, Kind

    settings.MOODLE_WWWROOT = "https://moodle.example.edu/"
    ExternalId.objects.create(kind=Kind.COURSE, moodle_id=2, local_id=course.pk)
    return course


def test_notification_emails_open_the_course_and_its_log_report_in_moodle(
    settings,
    synced_course,
    course_model,
    make_prediction,
    enrolment,
    teacher,
    noneditingteacher,
):
    from tests.fixtures.catalogues import catalogues_compile

    catalogues_compile()
    settings.FORESIGHT_SITE_URL = "https://foresight.example"
    UserProfile.objects.update_or_create(
        user=noneditingteacher, defaults={"lang": "es"}
    )
    _notify(course_model, make_prediction, enrolment)

    email_deliveries_send_task.apply(args=[_ids()])

    by_recipient = {m.to[0]: m for m in mail.outbox}
    english = by_recipient[teacher.email]
    root = "https://moodle.example.edu"
    assert f"Course in Moodle: {root}/course/view.php?id=2" in english.body
    log = f"{root}/report/log/index.php?id=2&chooselog=1"
    assert f"Log report in Moodle: {log}" in english.body
    html = english.alternatives[0][0]
    assert f'<a href="{root}/course/view.php?id=2">Course in Moodle</a>' in html
    assert f'href="{log.replace("&", "&amp;")}"' in html
    spanish = by_recipient[noneditingteacher.email]
    assert f"Curso en Moodle: {root}/course/view.php?id=2" in spanish.body
    assert "Informe de registros en Moodle" in spanish.body


def test_a_user_insight_email_opens_the_students_profile_in_moodle(
    settings, user_model, make_prediction, student
):
    from moodlesync.models import ExternalId, Kind

    settings.MOODLE_WWWROOT = "https://moodle.example.edu"
    ExternalId.objects.create(kind=Kind.USER, moodle_id=57, local_id=student.pk)
    insights_generate(
        model=user_model, predictions=[make_prediction(user_model, student)]
    )

    email_deliveries_send_task.apply(args=[_ids()])

    (email,) = [m for m in mail.outbox if m.to == [student.email]]
    profile = "https://moodle.example.edu/user/profile.php?id=57"
    assert f"Profile in Moodle: {profile}" in email.body


def test_without_a_moodle_link_the_email_has_only_the_insights_link(
    course_model, make_prediction, enrolment, teacher
):
    _notify(course_model, make_prediction, enrolment)
    email_deliveries_send_task.apply(args=[_ids()])
    (email,) = [m for m in mail.outbox if m.to == [teacher.email]]
    assert "Moodle" not in email.body
    assert email.body.rstrip().splitlines()[-1].startswith("View insight: http")


def test_with_the_task_queue_down_the_message_is_kept_and_its_email_pending(
    refused_port,
    client,
    teacher,
    make_prediction,
    enrolment,
    student,
    caplog,
    django_capture_on_commit_callbacks,
):
    """Never a 500 nor lost data: the copy and its pending email stay, and one
    log line says what to do."""
    from config.celery import app
    from models_app.models import AnalyticsModel
    from tests.fixtures.mail import _forget_broker_connections

    model = AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, trained=True, name="Dropout"
    )
    prediction = make_prediction(model, enrolment)
    (insight,) = insights_generate(model=model, predictions=[prediction])
    client.force_login(teacher)
    before = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{refused_port}/0"
    _forget_broker_connections(app)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("insights:student_message", args=[insight.pk]),
                {"predictions": [prediction.pk], "subject": "Hi", "body": "Soon?"},
            )
    finally:
        app.conf.broker_url = before
        _forget_broker_connections(app)

    assert response.status_code == 302
    assert StudentMessage.objects.get().email.status == "pending"
    (warning,) = [r for r in caplog.records if r.name == "insights.emails"]
    assert "1 email(s) stay pending" in warning.getMessage()
    assert "Send again" in warning.getMessage() and warning.exc_info is None


def test_a_dead_server_stops_the_batch_and_fails_every_email_of_it(
    settings, smtp_server, course_model, make_prediction, enrolment, teacher, student
):
    """One connection per attempt, not one per email: the rest wait for the retry
    and fail with the same reason when the retries are spent."""
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    for name in ("second", "third"):
        user = UserFactory(username=name)
        EnrolmentFactory(user=user, course=enrolment.course)
        RoleAssignmentFactory(user=user, role="teacher", context=enrolment.course)
    settings.FORESIGHT_EMAIL_RETRIES = 1
    _smtp(settings, smtp_server.host, smtp_server.port)
    smtp_server.refuse_greeting = True
    _notify(course_model, make_prediction, enrolment)

    email_deliveries_send_task.apply(args=[_ids()])

    assert smtp_server.connections == 2
    rows = list(EmailDelivery.objects.values_list("status", "last_error"))
    assert len(rows) == 3
    assert set(rows) == {
        ("failed", "SMTPConnectError: 554 5.3.2 Service refused for the tests")
    }


def test_the_messages_admin_lists_each_messages_email_state(
    admin_client_, teacher, make_prediction, enrolment, student
):
    from models_app.models import AnalyticsModel

    model = AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, trained=True, name="Dropout"
    )
    student_messages_send(
        sender=teacher,
        predictions=[make_prediction(model, enrolment)],
        subject="About the essay",
        body="Hello",
    )
    url = reverse("admin:insights_studentmessage_changelist")

    pending = admin_client_.get(url, {"email__status__exact": "pending"})
    failed = admin_client_.get(url, {"email__status__exact": "failed"})

    assert pending.status_code == failed.status_code == 200
    assert "About the essay" in pending.content.decode()
    assert "About the essay" not in failed.content.decode()
    assert ">pending<" in pending.content.decode()


def test_an_email_whose_delivery_was_deleted_while_it_left_ends_the_batch_cleanly(
    course_model, make_prediction, enrolment, teacher, noneditingteacher, monkeypatch
):
    """Deleting a notification while its email is on the wire (a model cleared, a
    user removed) must not strand the rest of the batch as "being sent"."""
    from insights import emails

    _notify(course_model, make_prediction, enrolment)
    first, second = _ids()
    build = emails._email_of

    def deleted_while_sent(delivery):
        message = build(delivery)
        if delivery.pk == first:
            Notification.objects.filter(pk=delivery.notification_id).delete()
        return message

    monkeypatch.setattr(emails, "_email_of", deleted_while_sent)

    email_deliveries_send_task.apply(args=[[first, second]], throw=True)

    assert len(mail.outbox) == 2
    assert list(EmailDelivery.objects.values_list("pk", "status")) == [(second, "sent")]
