"""Insights from a prediction run, notifications and emails, actions on predictions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insights.models import Insight, Notification, PredictionAction
from insights.selectors import insight_recipients, predictions_visible_to
from insights.services import (
    email_notifications_set,
    insights_generate,
    notifications_mark_read,
    prediction_action_record,
    prediction_actions_record,
)
from lms.models import Enrolment, UserProfile
from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _students(course, count):
    enrolments = []
    for _ in range(count):
        user = UserFactory()
        RoleAssignmentFactory(user=user, role="student", context=course)
        enrolments.append(EnrolmentFactory(user=user, course=course))
    return enrolments


def test_one_notification_per_insight_not_per_prediction(
    course, course_model, make_prediction, teacher, noneditingteacher, student
):
    predictions = [make_prediction(course_model, e) for e in _students(course, 3)]

    insights = insights_generate(model=course_model, predictions=predictions)

    assert len(insights) == 1
    assert Insight.objects.count() == 1
    assert sorted(Notification.objects.values_list("user__username", flat=True)) == [
        "assistant",
        "teacher",
    ]


def test_one_insight_per_context(
    course, other_course, course_model, make_prediction, teacher, other_teacher
):
    mine = make_prediction(course_model, _students(course, 1)[0])
    theirs = make_prediction(course_model, _students(other_course, 1)[0])

    insights = insights_generate(model=course_model, predictions=[mine, theirs])

    assert {i.context_id for i in insights} == {mine.context_id, theirs.context_id}
    assert Notification.objects.get(user=teacher).insight.context_id == mine.context_id
    assert (
        Notification.objects.get(user=other_teacher).insight.context_id
        == theirs.context_id
    )


@pytest.mark.usefixtures("emails_inline")
def test_email_leaves_after_commit_with_an_absolute_link(
    course,
    course_model,
    make_prediction,
    teacher,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.FORESIGHT_SITE_URL = "https://lms.example.org/"
    prediction = make_prediction(course_model, _students(course, 1)[0])

    with django_capture_on_commit_callbacks() as callbacks:
        (insight,) = insights_generate(model=course_model, predictions=[prediction])
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert message.to == [teacher.email]
    assert message.subject == "Students at risk: Biology"
    assert f"https://lms.example.org/insights/{insight.pk}/" in message.body
    assert "Hi Tess" in message.body and "<p>" not in message.body
    assert Notification.objects.get(user=teacher).timeemailed is not None


@pytest.mark.usefixtures("emails_inline")
def test_email_off_keeps_the_notification_in_the_site(
    course,
    course_model,
    make_prediction,
    teacher,
    noneditingteacher,
    django_capture_on_commit_callbacks,
):
    email_notifications_set(user=teacher, enabled=False)
    prediction = make_prediction(course_model, _students(course, 1)[0])

    with django_capture_on_commit_callbacks(execute=True):
        insights_generate(model=course_model, predictions=[prediction])

    assert [m.to for m in mail.outbox] == [[noneditingteacher.email]]
    mine = Notification.objects.get(user=teacher)
    assert mine.timeemailed is None
    assert UserProfile.objects.get(user=teacher).email_notifications is False


def test_a_second_run_reuses_the_insight_and_notifies_again(
    course, course_model, make_prediction, teacher
):
    enrolment = _students(course, 1)[0]
    first = make_prediction(course_model, enrolment)
    (insight,) = insights_generate(model=course_model, predictions=[first])
    second = make_prediction(course_model, enrolment, rangeindex=1)

    (again,) = insights_generate(model=course_model, predictions=[second])

    assert again.pk == insight.pk
    assert Notification.objects.filter(user=teacher).count() == 2
    assert list(predictions_visible_to(user=teacher, insight=insight)) == [second]


def test_predictions_of_another_model_are_refused(
    course, course_model, site_model, make_prediction
):
    prediction = make_prediction(site_model, course)
    with pytest.raises(ValidationError):
        insights_generate(model=course_model, predictions=[prediction])
    assert Insight.objects.count() == 0


def test_no_predictions_no_insight(course_model):
    assert insights_generate(model=course_model, predictions=[]) == []


def test_recipients_cost_a_fixed_number_of_queries(
    course, course_model, make_prediction, django_assert_max_num_queries
):
    """The cost with 40 teachers is the cost with 2: no query per user."""
    from access.selectors import context_of

    prediction = make_prediction(course_model, _students(course, 1)[0])
    context = context_of(course)
    insights_generate(model=course_model, predictions=[prediction])  # insight exists
    measured = []
    for teachers in (2, 40):
        while Enrolment.objects.filter(course=course).count() - 1 < teachers:
            user = UserFactory()
            EnrolmentFactory(user=user, course=course)
            RoleAssignmentFactory(user=user, role="teacher", context=course)
        with CaptureQueriesContext(connection) as recipients_queries:
            recipients = list(insight_recipients(context=context))
        assert len(recipients) == teachers
        with django_assert_max_num_queries(12) as run_queries:
            insights_generate(model=course_model, predictions=[prediction])
        assert (
            Notification.objects.filter(timecreated__isnull=False).count() >= teachers
        )
        measured.append((len(recipients_queries), len(run_queries)))
    assert measured[0] == measured[1]
    assert measured[0][0] <= 5


def test_who_counts_as_in_the_course(course, course_model, make_prediction):
    """An active enrolment, as Moodle's get_enrolled_users(onlyactive): a course
    role without an enrolment is not enough, as it does not open the pages."""
    from access.selectors import context_of

    def teacher_with(*, enrolment=None, active=True):
        user = UserFactory(is_active=active)
        RoleAssignmentFactory(user=user, role="teacher", context=course)
        if enrolment is not None:
            EnrolmentFactory(user=user, course=course, **enrolment)
        return user

    now = timezone.now()
    enrolled = teacher_with(enrolment={})
    teacher_with()  # a role without an enrolment
    ending = teacher_with(enrolment={"timeend": now + dt.timedelta(days=1)})
    teacher_with(enrolment={"status": Enrolment.Status.SUSPENDED})
    teacher_with(enrolment={"timeend": now - dt.timedelta(days=1)})
    teacher_with(enrolment={"timestart": now + dt.timedelta(days=3)})
    teacher_with(enrolment={}, active=False)

    recipients = set(insight_recipients(context=context_of(course)))

    assert recipients == {enrolled, ending}


@pytest.mark.usefixtures("emails_inline")
def test_a_suspended_teacher_is_not_emailed_the_courses_insights(
    course,
    course_model,
    make_prediction,
    enrolment,
    teacher,
    suspended_teacher,
    ended_teacher,
    role_only_teacher,
    course_manager,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        insights_generate(
            model=course_model, predictions=[make_prediction(course_model, enrolment)]
        )
    assert [email.to for email in mail.outbox] == [[teacher.email]]
    assert set(Notification.objects.values_list("user", flat=True)) == {teacher.pk}


def test_superuser_without_a_role_is_never_a_recipient(
    course, course_model, site_model, make_prediction, superuser, teacher
):
    insights_generate(
        model=site_model, predictions=[make_prediction(site_model, course)]
    )
    insights_generate(
        model=course_model,
        predictions=[make_prediction(course_model, _students(course, 1)[0])],
    )
    assert Notification.objects.filter(user=superuser).exists() is False


# Actions


@pytest.fixture
def course_prediction(course_model, make_prediction, enrolment):
    return make_prediction(course_model, enrolment)


def test_an_action_is_recorded_with_who_and_when(course_prediction, teacher):
    action, created = prediction_action_record(
        prediction=course_prediction, user=teacher, actionname="fixed"
    )
    assert created is True
    assert action.user == teacher and action.timecreated is not None


def test_a_second_submission_changes_nothing(course_prediction, teacher):
    first, _ = prediction_action_record(
        prediction=course_prediction, user=teacher, actionname="fixed"
    )
    again, created = prediction_action_record(
        prediction=course_prediction, user=teacher, actionname="fixed"
    )
    assert created is False
    assert again.pk == first.pk
    assert PredictionAction.objects.count() == 1


@pytest.mark.parametrize("name", ["delete", "useful", "", "fixed'; DROP TABLE x"])
def test_an_action_the_target_does_not_offer_is_refused(
    course_prediction, teacher, name
):
    with pytest.raises(ValidationError, match="not an action"):
        prediction_action_record(
            prediction=course_prediction, user=teacher, actionname=name
        )
    assert PredictionAction.objects.count() == 0


def test_target_actions_are_accepted(course_prediction, teacher):
    _action, created = prediction_action_record(
        prediction=course_prediction, user=teacher, actionname="viewoutlinereport"
    )
    assert created is True


def test_an_action_on_a_deleted_sample_is_refused(course_prediction, teacher):
    Enrolment.objects.filter(pk=course_prediction.sampleid).delete()
    with pytest.raises(ValidationError, match="no longer exists"):
        prediction_action_record(
            prediction=course_prediction, user=teacher, actionname="fixed"
        )
    assert PredictionAction.objects.count() == 0


def test_bulk_actions_are_all_or_nothing(
    course, course_model, make_prediction, teacher
):
    predictions = [make_prediction(course_model, e) for e in _students(course, 3)]
    Enrolment.objects.filter(pk=predictions[2].sampleid).delete()

    with pytest.raises(ValidationError):
        prediction_actions_record(
            predictions=predictions, user=teacher, actionname="fixed"
        )

    assert PredictionAction.objects.count() == 0


def test_bulk_counts_new_and_repeated(course, course_model, make_prediction, teacher):
    predictions = [make_prediction(course_model, e) for e in _students(course, 3)]
    prediction_action_record(
        prediction=predictions[0], user=teacher, actionname="notapplicable"
    )
    counts = prediction_actions_record(
        predictions=predictions, user=teacher, actionname="notapplicable"
    )
    assert counts == (2, 1)


def test_notifications_mark_read(course, course_model, make_prediction, teacher):
    insights_generate(
        model=course_model,
        predictions=[make_prediction(course_model, _students(course, 1)[0])],
    )
    assert notifications_mark_read(user=teacher) == 1
    assert notifications_mark_read(user=teacher) == 0
    assert Notification.objects.unread().count() == 0


@pytest.mark.usefixtures("emails_inline")
def test_notification_emails_to_launched_teachers_open_through_the_platform(
    teacher,
    course,
    course_model,
    make_prediction,
    settings,
    django_capture_on_commit_callbacks,
):
    """Issue 16.5: the insights email of a teacher who has no Foresight password
    links to the course's tool link on the platform, never to a password page."""
    from lti.models import LaunchCourse, LaunchUser, Platform

    platform = Platform.objects.create(
        name="Moodle",
        issuer="https://moodle.example",
        client_id="c",
        deployment_ids=["1"],
        keyset_url="https://moodle.example/mod/lti/certs.php",
        auth_login_url="https://moodle.example/mod/lti/auth.php",
    )
    teacher.set_unusable_password()
    teacher.save()
    LaunchUser.objects.create(platform=platform, sub="265", user=teacher)
    settings.FORESIGHT_SITE_URL = "https://foresight.example"
    LaunchCourse.objects.create(
        platform=platform,
        context_id="5",
        course=course,
        link_url="https://moodle.example/mod/lti/view.php?id=92",
    )
    prediction = make_prediction(course_model, _students(course, 1)[0])

    with django_capture_on_commit_callbacks(execute=True):
        insights_generate(model=course_model, predictions=[prediction])

    (message,) = [m for m in mail.outbox if m.to == [teacher.email]]
    assert "https://moodle.example/mod/lti/view.php?id=92" in message.body
    assert "https://foresight.example/insights/" not in message.body
