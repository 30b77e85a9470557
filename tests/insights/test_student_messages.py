""" "Send message": a teacher writes to the students of an insight, who get an email
with the teacher as Reply-To; a copy is kept. Permissions as every insights page."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from insights.models import PredictionAction, StudentMessage
from insights.services import insights_generate
from models_app.models import AnalyticsModel
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("emails_inline")]


@pytest.fixture
def dropout_model(db):
    return AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, trained=True, name="Dropout"
    )


@pytest.fixture
def prediction(dropout_model, make_prediction, enrolment):
    return make_prediction(dropout_model, enrolment)


@pytest.fixture
def insight(dropout_model, prediction):
    (insight,) = insights_generate(model=dropout_model, predictions=[prediction])
    return insight


@pytest.fixture
def teacher_client(client, teacher):
    teacher.email = "tess@school.example"
    teacher.save()
    client.force_login(teacher)
    return client


def _compose_url(insight, *ids) -> str:
    query = "&".join(f"predictions={pk}" for pk in ids)
    return f"{reverse('insights:student_message', args=[insight.pk])}?{query}"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_send_message_beside_a_prediction_emails_its_student(
    teacher_client,
    teacher,
    insight,
    prediction,
    student,
    django_capture_on_commit_callbacks,
):
    student.email = "sam@school.example"
    student.save()
    # The button records the action (as Moodle does) and opens the form.
    page = teacher_client.get(insight.get_absolute_url()).content.decode()
    target = reverse("insights:prediction_message", args=[prediction.pk])
    assert target in page
    clicked = teacher_client.post(
        f"{reverse('insights:prediction_action', args=[prediction.pk])}?next={target}",
        {"action": "studentmessage"},
    )
    assert clicked.url == target
    assert PredictionAction.objects.filter(actionname="studentmessage").count() == 1
    form = teacher_client.get(target, follow=True)
    assert form.redirect_chain[-1][0] == _compose_url(insight, prediction.pk)
    assert student.get_full_name() in form.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        sent = teacher_client.post(
            reverse("insights:student_message", args=[insight.pk]),
            {
                "predictions": [prediction.pk],
                "subject": "Biology",
                "body": "Shall we talk about the next assignment?",
            },
        )
    assert sent.url == insight.get_absolute_url()
    assert "Your message is on its way to 1 student." in _messages(sent)
    (email,) = mail.outbox
    assert email.to == ["sam@school.example"]
    assert email.reply_to == ["tess@school.example"]
    assert email.body == "Shall we talk about the next assignment?"
    copy = StudentMessage.objects.get()
    assert (copy.sender, copy.recipient, copy.prediction) == (
        teacher,
        student,
        prediction,
    )
    assert copy.timeemailed is not None


def test_bulk_send_message_writes_once_to_each_ticked_student(
    teacher_client,
    insight,
    prediction,
    course,
    dropout_model,
    make_prediction,
    enrolment,
    student,
    django_capture_on_commit_callbacks,
):
    student.email = ""
    student.save()
    other = EnrolmentFactory(course=course, user=UserFactory(email="o@school.example"))
    second = make_prediction(dropout_model, other)
    later = make_prediction(dropout_model, enrolment, rangeindex=1)  # same student
    response = teacher_client.post(
        reverse("insights:insight_actions", args=[insight.pk]),
        {"action": "studentmessage", "predictions": [later.pk, second.pk]},
    )
    assert response.url.startswith(
        reverse("insights:student_message", args=[insight.pk])
    )
    assert PredictionAction.objects.filter(actionname="studentmessage").count() == 2
    form = teacher_client.get(response.url).content.decode()
    assert "To 2 students:" in form
    # An older prediction of the same student (its page links here too) adds no one.
    ids = [prediction.pk, later.pk, second.pk]
    with django_capture_on_commit_callbacks(execute=True):
        teacher_client.post(
            reverse("insights:student_message", args=[insight.pk]),
            {"predictions": ids, "subject": "Biology", "body": "Hello"},
        )
    assert StudentMessage.objects.count() == 2
    # A student without an address keeps the copy only.
    assert [e.to for e in mail.outbox] == [["o@school.example"]]
    assert StudentMessage.objects.filter(timeemailed__isnull=True).count() == 1


def test_a_teacher_of_another_course_cannot_write_to_these_students(
    client, other_teacher, insight, prediction
):
    client.force_login(other_teacher)
    data = {"predictions": [prediction.pk], "subject": "Hi", "body": "Hi"}
    url = reverse("insights:student_message", args=[insight.pk])
    assert client.get(_compose_url(insight, prediction.pk)).status_code == 403
    assert client.post(url, data).status_code == 403
    message_url = reverse("insights:prediction_message", args=[prediction.pk])
    assert client.get(message_url).status_code == 403
    assert StudentMessage.objects.count() == 0 and not mail.outbox


def test_a_prediction_of_another_course_in_the_form_sends_nothing(
    teacher_client, insight, prediction, dropout_model, make_prediction, other_enrolment
):
    foreign = make_prediction(dropout_model, other_enrolment)
    response = teacher_client.post(
        reverse("insights:student_message", args=[insight.pk]),
        {"predictions": [prediction.pk, foreign.pk], "subject": "Hi", "body": "Hi"},
    )
    assert response.url == insight.get_absolute_url()
    assert any(
        "Select the predictions of this insight" in m for m in _messages(response)
    )
    assert StudentMessage.objects.count() == 0


def test_an_empty_message_is_asked_again_and_nothing_is_sent(
    teacher_client, insight, prediction
):
    response = teacher_client.post(
        reverse("insights:student_message", args=[insight.pk]),
        {"predictions": [prediction.pk], "subject": "Biology", "body": "   "},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert StudentMessage.objects.count() == 0


def test_predictions_about_courses_cannot_be_messaged(
    client, manager, site_model, make_prediction, course
):
    prediction = make_prediction(site_model, course)
    (insight,) = insights_generate(model=site_model, predictions=[prediction])
    client.force_login(manager)
    response = client.get(_compose_url(insight, prediction.pk))
    assert response.url == insight.get_absolute_url()
    assert "Messages can only be sent about predictions on students." in _messages(
        response
    )


@pytest.mark.parametrize(
    "persona", ["suspended_teacher", "ended_teacher", "role_only_teacher"]
)
def test_a_teacher_not_let_into_the_course_cannot_write_to_its_students(
    request, client, insight, prediction, student, persona
):
    """Moodle's require_login($course) would refuse them; so does every page here."""
    student.email = "sam@school.example"
    student.save()
    client.force_login(request.getfixturevalue(persona))
    data = {"predictions": [prediction.pk], "subject": "Hi", "body": "Hi"}
    url = reverse("insights:student_message", args=[insight.pk])
    assert client.get(_compose_url(insight, prediction.pk)).status_code == 403
    assert client.post(url, data).status_code == 403
    message_url = reverse("insights:prediction_message", args=[prediction.pk])
    assert client.get(message_url).status_code == 403
    bulk = client.post(
        reverse("insights:insight_actions", args=[insight.pk]),
        {"action": "studentmessage", "predictions": [prediction.pk]},
    )
    assert bulk.status_code == 403
    assert StudentMessage.objects.count() == 0 and not mail.outbox
    assert PredictionAction.objects.exists() is False
