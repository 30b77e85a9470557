"""The insights pages: status codes, permission edges, actions and bad input."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from insights.models import Notification, PredictionAction
from insights.services import insights_generate
from lms.models import Enrolment, UserProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def prediction(course_model, make_prediction, enrolment):
    return make_prediction(course_model, enrolment)


@pytest.fixture
def insight(course_model, prediction, teacher):
    (insight,) = insights_generate(model=course_model, predictions=[prediction])
    return insight


@pytest.fixture
def teacher_client(client, teacher):
    client.force_login(teacher)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    "name,args",
    [
        ("insights:list", []),
        ("insights:insight", [1]),
        ("insights:prediction", [1]),
        ("insights:notifications", []),
        ("insights:preferences", []),
    ],
)
def test_pages_need_a_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_insight_page_lists_predictions(teacher_client, insight, student):
    response = teacher_client.get(insight.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert student.get_full_name() in content
    assert "Student at risk" in content
    assert "Accept" in content and "Outline report" in content


def test_a_teacher_of_another_course_is_refused(client, insight, other_teacher):
    client.force_login(other_teacher)
    response = client.get(insight.get_absolute_url())
    assert response.status_code == 403
    assert b"Biology" not in response.content


def test_a_missing_insight_is_404(teacher_client, insight):
    response = teacher_client.get(reverse("insights:insight", args=[insight.pk + 99]))
    assert response.status_code == 404


def test_the_list_groups_insights_by_context(teacher_client, insight):
    response = teacher_client.get(reverse("insights:list"))
    assert response.status_code == 200
    assert "Biology" in response.content.decode()
    assert insight.get_absolute_url() in response.content.decode()


def test_marking_fixed_hides_the_prediction_for_this_teacher_only(
    teacher_client, insight, prediction, noneditingteacher, client, student
):
    url = reverse("insights:prediction_action", args=[prediction.pk])
    response = teacher_client.post(url, {"action": "fixed"})
    assert response.status_code == 302
    assert response.url == insight.get_absolute_url()
    assert PredictionAction.objects.filter(actionname="fixed").count() == 1
    page = teacher_client.get(insight.get_absolute_url()).content.decode()
    assert student.get_full_name() not in page

    client.force_login(noneditingteacher)
    other = client.get(insight.get_absolute_url()).content.decode()
    assert student.get_full_name() in other


def test_a_second_submission_says_so_and_changes_nothing(
    teacher_client, insight, prediction
):
    url = reverse("insights:prediction_action", args=[prediction.pk])
    teacher_client.post(url, {"action": "notapplicable"})
    response = teacher_client.post(url, {"action": "notapplicable"})
    assert response.status_code == 302
    assert any("already" in m for m in _messages(response))
    assert PredictionAction.objects.count() == 1


def test_a_forged_action_name_is_refused(teacher_client, insight, prediction):
    url = reverse("insights:prediction_action", args=[prediction.pk])
    response = teacher_client.post(url, {"action": "deleteeverything"})
    assert response.status_code == 302
    assert any("not an action" in m for m in _messages(response))
    assert PredictionAction.objects.count() == 0


def test_a_target_action_records_then_goes_to_its_page(
    teacher_client, insight, prediction, student
):
    target_url = f"/admin/auth/user/{student.pk}/change/"
    url = reverse("insights:prediction_action", args=[prediction.pk])
    response = teacher_client.post(
        f"{url}?next={target_url}", {"action": "viewoutlinereport"}
    )
    assert response.status_code == 302
    assert response.url == target_url
    assert PredictionAction.objects.filter(actionname="viewoutlinereport").exists()


def test_an_offsite_next_is_ignored(teacher_client, insight, prediction):
    url = reverse("insights:prediction_action", args=[prediction.pk])
    response = teacher_client.post(
        url, {"action": "fixed", "next": "https://evil.example.com/"}
    )
    assert response.url == insight.get_absolute_url()


def test_bulk_action_flags_the_selected_predictions(
    teacher_client, insight, course, course_model, make_prediction, prediction
):
    from tests.factories import EnrolmentFactory

    second = make_prediction(course_model, EnrolmentFactory(course=course))
    response = teacher_client.post(
        reverse("insights:insight_actions", args=[insight.pk]),
        {"action": "incorrectlyflagged", "predictions": [prediction.pk, second.pk]},
    )
    assert response.status_code == 302
    assert PredictionAction.objects.filter(actionname="incorrectlyflagged").count() == 2


def test_bulk_action_with_a_prediction_of_another_course_changes_nothing(
    teacher_client,
    insight,
    prediction,
    course_model,
    make_prediction,
    other_enrolment,
):
    foreign = make_prediction(course_model, other_enrolment)
    response = teacher_client.post(
        reverse("insights:insight_actions", args=[insight.pk]),
        {"action": "fixed", "predictions": [prediction.pk, foreign.pk]},
    )
    assert response.status_code == 302
    assert any("not part of this insight" in m for m in _messages(response))
    assert PredictionAction.objects.count() == 0


def test_an_action_on_a_prediction_of_another_course_is_refused(
    teacher_client, course_model, make_prediction, other_enrolment
):
    foreign = make_prediction(course_model, other_enrolment)
    response = teacher_client.post(
        reverse("insights:prediction_action", args=[foreign.pk]), {"action": "fixed"}
    )
    assert response.status_code == 403
    assert PredictionAction.objects.count() == 0


def test_bulk_action_without_selection_says_so(teacher_client, insight):
    response = teacher_client.post(
        reverse("insights:insight_actions", args=[insight.pk]), {"action": "fixed"}
    )
    assert response.status_code == 302
    assert any("Select at least one" in m for m in _messages(response))


def test_the_prediction_page_shows_indicators_in_words(
    teacher_client, insight, prediction
):
    response = teacher_client.get(reverse("insights:prediction", args=[prediction.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    values = content.split('id="indicator-values"')[1]
    assert "Any course access (fake): No" in values
    assert "Read actions amount (fake): high" in values  # 0.33 on [-1, 1]
    # Never the internal encoding, never the old "furthest from neutral" guess.
    assert "66 %" not in content and "furthest from neutral" not in content
    assert 'id="no-reasons"' in content
    # Opening the details is recorded, and does not hide the prediction.
    assert PredictionAction.objects.filter(actionname="predictiondetails").exists()


def test_the_models_reasons_are_shown_ranked_with_their_direction(
    teacher_client, course_model, make_prediction, enrolment
):
    prediction = make_prediction(
        course_model,
        enrolment,
        calculations={"fake_any_access": -1.0, "fake_read_actions": 0.1},
        reasons={
            "method": "linear",
            "items": [
                {"key": "fake_read_actions", "weight": 2.0},
                {"key": "fake_any_access", "weight": -0.1},
            ],
        },
    )
    response = teacher_client.get(reverse("insights:prediction", args=[prediction.pk]))
    content = response.content.decode()
    reasons = content.split('id="reasons"')[1].split("</ol>")[0]
    assert reasons.index("Read actions") < reasons.index("Any course access")
    assert "raises the risk" in reasons and "lowers the risk" in reasons
    assert 'id="no-reasons"' not in content


def test_a_server_without_reasons_is_said_so(
    teacher_client, course_model, make_prediction, enrolment
):
    prediction = make_prediction(
        course_model, enrolment, reasons={"method": "none", "items": []}
    )
    response = teacher_client.get(reverse("insights:prediction", args=[prediction.pk]))
    assert "No reasons from this server" in response.content.decode()


def test_a_prediction_whose_sample_was_deleted(teacher_client, insight, prediction):
    Enrolment.objects.filter(pk=prediction.sampleid).delete()
    page = teacher_client.get(reverse("insights:prediction", args=[prediction.pk]))
    assert page.status_code == 410
    assert b"no longer exists" in page.content
    response = teacher_client.post(
        reverse("insights:prediction_action", args=[prediction.pk]),
        {"action": "fixed"},
    )
    assert response.status_code == 302
    assert any("no longer exists" in m for m in _messages(response))
    assert PredictionAction.objects.count() == 0
    listing = teacher_client.get(insight.get_absolute_url())
    assert listing.status_code == 200


def test_the_header_shows_the_unread_count(teacher_client, insight):
    response = teacher_client.get(reverse("insights:notifications"))
    assert 'id="unread-count"' in response.content.decode()
    notification = Notification.objects.get(user__username="teacher")
    opened = teacher_client.get(notification.get_absolute_url())
    assert opened.status_code == 302 and opened.url == insight.get_absolute_url()
    notification.refresh_from_db()
    assert notification.timeread is not None
    after = teacher_client.get(reverse("insights:notifications"))
    assert 'id="unread-count"' not in after.content.decode()


def test_a_one_sample_notification_opens_its_prediction(
    client, student, user_model, make_prediction
):
    prediction = make_prediction(user_model, student)
    (insight,) = insights_generate(model=user_model, predictions=[prediction])
    notification = Notification.objects.get(user=student)
    client.force_login(student)
    opened = client.get(notification.get_absolute_url())
    assert opened.url == reverse("insights:prediction", args=[prediction.pk])
    # Once answered (Useful hides it), the notification opens the insight.
    client.post(
        reverse("insights:prediction_action", args=[prediction.pk]),
        {"action": "useful"},
    )
    again = client.get(notification.get_absolute_url())
    assert again.url == insight.get_absolute_url()


def test_opening_the_insight_marks_its_notifications_read(teacher_client, insight):
    teacher_client.get(insight.get_absolute_url())
    assert Notification.objects.filter(user__username="teacher").unread().count() == 0


def test_mark_all_read(teacher_client, insight):
    response = teacher_client.post(reverse("insights:notifications_read"))
    assert response.status_code == 302
    assert Notification.objects.unread().filter(user__username="teacher").count() == 0


def test_someone_elses_notification_is_404(client, insight, other_teacher):
    notification = Notification.objects.get(user__username="teacher")
    client.force_login(other_teacher)
    response = client.get(notification.get_absolute_url())
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.timeread is None


def test_preferences_turn_email_off_and_on(teacher_client, teacher):
    url = reverse("insights:preferences")
    assert teacher_client.get(url).status_code == 200
    teacher_client.post(url, {"language": "en"})
    assert UserProfile.objects.get(user=teacher).email_notifications is False
    teacher_client.post(url, {"email_notifications": "on", "language": "en"})
    assert UserProfile.objects.get(user=teacher).email_notifications is True


def test_a_disabled_model_answers_404_on_its_pages_and_actions(
    teacher_client, teacher, insight, prediction, course_model
):
    """As the list leaves it out; the insight's people are told why."""
    course_model.enabled = False
    course_model.save()
    notification = Notification.objects.get(user=teacher)
    pages = [
        reverse("insights:insight", args=[insight.pk]),
        reverse("insights:prediction", args=[prediction.pk]),
        reverse("insights:prediction_outline", args=[prediction.pk]),
        reverse("insights:prediction_message", args=[prediction.pk]),
        f"{reverse('insights:student_message', args=[insight.pk])}"
        f"?predictions={prediction.pk}",
        notification.get_absolute_url(),
    ]
    for url in pages:
        response = teacher_client.get(url)
        assert response.status_code == 404, url
        assert b"disabled by an administrator" in response.content, url
    posts = [
        (reverse("insights:prediction_action", args=[prediction.pk]), "fixed"),
        (reverse("insights:insight_actions", args=[insight.pk]), "fixed"),
        (reverse("insights:student_message", args=[insight.pk]), ""),
    ]
    for url, action in posts:
        data = {"action": action, "predictions": [prediction.pk], "body": "Hi"}
        assert teacher_client.post(url, data).status_code == 404, url
    assert PredictionAction.objects.exists() is False
    notification.refresh_from_db()
    assert notification.timeread is None
    listing = teacher_client.get(reverse("insights:list"))
    assert insight.get_absolute_url() not in listing.content.decode()


def test_a_disabled_model_is_refused_not_revealed_to_others(
    client, insight, prediction, course_model, other_teacher
):
    course_model.enabled = False
    course_model.save()
    client.force_login(other_teacher)
    response = client.get(reverse("insights:prediction", args=[prediction.pk]))
    assert response.status_code == 403
    assert b"Biology" not in response.content


def test_a_teacher_suspended_after_being_told_cannot_open_the_notification(
    client, teacher, insight
):
    notification = Notification.objects.get(user=teacher)
    Enrolment.objects.filter(user=teacher).update(status=Enrolment.Status.SUSPENDED)
    client.force_login(teacher)
    assert client.get(notification.get_absolute_url()).status_code == 403
    assert client.get(insight.get_absolute_url()).status_code == 403
    listing = client.get(reverse("insights:list"))
    assert insight.get_absolute_url() not in listing.content.decode()
    notification.refresh_from_db()
    assert notification.timeread is None


def test_admin_is_read_only_with_per_model_figures(
    client, superuser, insight, prediction, teacher
):
    from insights.services import prediction_action_record

    prediction_action_record(prediction=prediction, user=teacher, actionname="fixed")
    client.force_login(superuser)
    changelist = client.get(reverse("admin:insights_prediction_changelist"))
    assert changelist.status_code == 200
    figures = changelist.content.decode().split('id="prediction-figures"')[1]
    assert "Students at risk" in figures
    assert client.get(reverse("admin:insights_prediction_add")).status_code == 403
    change = client.get(
        reverse("admin:insights_prediction_change", args=[prediction.pk])
    )
    assert change.status_code == 200
    assert b'name="_save"' not in change.content


@pytest.fixture
def spanish(db):
    """Compiled catalogues; English again afterwards (the test client's requests
    leave their language active in this thread, and reverse() would follow it)."""
    from django.utils import translation

    from tests.fixtures.catalogues import catalogues_compile

    catalogues_compile()
    yield
    translation.activate("en")


def test_the_insight_page_speaks_spanish(spanish, teacher_client, insight):
    response = teacher_client.get(f"/es{insight.get_absolute_url()}")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Notificaciones" in content
    assert "Con los estudiantes seleccionados" in content
    assert "With the selected students" not in content


@pytest.mark.usefixtures("emails_inline")
def test_emails_use_the_recipients_language(
    spanish,
    course_model,
    make_prediction,
    enrolment,
    teacher,
    noneditingteacher,
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    UserProfile.objects.update_or_create(user=teacher, defaults={"lang": "es"})
    with django_capture_on_commit_callbacks(execute=True):
        insights_generate(
            model=course_model,
            predictions=[make_prediction(course_model, enrolment)],
        )
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert "Ver la perspectiva" in by_recipient[teacher.email]
    assert "View insight" in by_recipient[noneditingteacher.email]


def test_the_prediction_page_lists_upcoming_activities_due(
    client, user_model, make_prediction, student
):
    prediction = make_prediction(
        user_model,
        student,
        calculations={
            "fake_any_access": 1.0,
            "_activities_due": [
                {"name": "Essay 2", "time": 1_800_000_000, "coursename": "Biology"},
                {"name": "Essay 1", "time": 1_790_000_000, "coursename": "Biology"},
            ],
        },
        timestart=1_780_000_000,
        timeend=1_790_000_000,
    )
    client.force_login(student)
    response = client.get(reverse("insights:prediction", args=[prediction.pk]))
    assert response.status_code == 200
    table = response.content.decode().split('id="activities-due"')[1]
    assert table.index("Essay 1") < table.index("Essay 2")
    assert "_activities_due" not in response.content.decode()


def test_the_notifications_page_speaks_spanish(spanish, teacher_client, insight):
    teacher_client.get(insight.get_absolute_url())  # reads its notification
    response = teacher_client.get(f"/es{reverse('insights:notifications')}")
    content = response.content.decode()
    assert "Leída" in content and "Lectura" not in content
