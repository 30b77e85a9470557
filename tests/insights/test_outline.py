""" "Outline report": a student's events, last access and grades per activity, for
those who may see the prediction, from whichever log store the settings choose."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lms.models import ActivityGrade
from models_app.models import AnalyticsModel
from settings_app.models import AnalyticsSettings
from tests.fixtures.analysis_site import DAY, START, activity, legacy_copy, log, when

pytestmark = pytest.mark.django_db


@pytest.fixture
def prediction(make_prediction, enrolment):
    model = AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, trained=True
    )
    return make_prediction(model, enrolment)


@pytest.fixture
def site(course, student):
    """Quiz: 3 events and a grade; page: 1 event; the course page: 2 events."""
    quiz = activity(course, "quiz", section=1, due=START + 9 * DAY, grade_max=20)
    page = activity(course, "page", section=2)
    activity(course, "url", section=3, visible=False)  # hidden: not listed
    for i in range(3):
        log(student.id, course, START + i * DAY, cm=quiz)
    log(student.id, course, START + 5 * DAY, cm=page)
    log(student.id, course, START + 6 * DAY)
    log(student.id, course, START + 7 * DAY)
    ActivityGrade.objects.create(
        user=student, activity=quiz, grade=15, timesubmitted=when(START + 2 * DAY)
    )
    return quiz, page


@pytest.mark.parametrize("store", ["standard", "legacy"])
def test_the_outline_counts_the_students_events_per_activity(
    client, teacher, prediction, site, store
):
    quiz, page = site
    if store == "legacy":
        legacy_copy()
        settings_row = AnalyticsSettings.load()
        settings_row.logstore = "legacy"
        settings_row.save()
    client.force_login(teacher)
    response = client.get(reverse("insights:prediction_outline", args=[prediction.pk]))
    assert response.status_code == 200
    outline = response.context["outline"]
    assert [(r.activity, r.events) for r in outline.rows] == [(quiz, 3), (page, 1)]
    assert (outline.events, outline.course_page_events) == (6, 2)
    assert outline.last == when(START + 7 * DAY)
    html = response.content.decode()
    assert "15 / 20" in html
    assert "6 events in the course" in html


def test_an_activity_due_and_not_handed_in_says_so(client, teacher, prediction, site):
    from django.utils import timezone

    quiz, _page = site
    course = quiz.course
    past = activity(course, "assign", section=4, due=START + 3 * DAY, grade_max=10)
    future = activity(course, "assign", section=5, grade_max=10)
    future.duedate = timezone.now() + timezone.timedelta(days=30)
    future.save()
    client.force_login(teacher)
    html = client.get(
        reverse("insights:prediction_outline", args=[prediction.pk])
    ).content.decode()

    def submitted(row_id: int) -> str:
        return (
            html.split(f'id="activity-{row_id}"')[1].split("</tr>")[0].split("<td>")[-1]
        )

    assert "Not handed in" in submitted(past.pk)
    assert "Not handed in" not in submitted(future.pk) and "—" in submitted(future.pk)
    assert "Not handed in" not in submitted(quiz.pk)  # graded and handed in


def test_the_insight_links_the_outline_of_each_student(client, teacher, prediction):
    from insights.services import insights_generate

    (insight,) = insights_generate(model=prediction.model, predictions=[prediction])
    client.force_login(teacher)
    page = client.get(insight.get_absolute_url()).content.decode()
    assert reverse("insights:prediction_outline", args=[prediction.pk]) in page


def test_a_teacher_of_another_course_is_refused_the_outline(
    client, other_teacher, prediction, site
):
    client.force_login(other_teacher)
    response = client.get(reverse("insights:prediction_outline", args=[prediction.pk]))
    assert response.status_code == 403
    assert b"quiz" not in response.content


def test_a_prediction_about_a_course_has_no_outline(
    client, manager, site_model, make_prediction, course
):
    prediction = make_prediction(site_model, course)
    client.force_login(manager)
    response = client.get(reverse("insights:prediction_outline", args=[prediction.pk]))
    assert response.status_code == 404
