"""The insights pages make a constant number of queries, whatever they list.

Each page is rendered with one row (insight, prediction, notification) and with
many; both renders must make the same number of queries, under one bound, so a
query per row (an N+1) fails the test.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from insights.models import Insight, Prediction
from insights.services import insights_generate

pytestmark = pytest.mark.django_db

MANY = 8


def _enrolled_students(course, n: int):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory

    enrolments = []
    for _ in range(n):
        enrolment = EnrolmentFactory(course=course)
        RoleAssignmentFactory(user=enrolment.user, role="student", context=course)
        enrolments.append(enrolment)
    return enrolments


@pytest.fixture
def many_insights(category, course_model, site_model, make_prediction):
    """`add(n)`: n more courses with an insight each (two students flagged), and
    those courses flagged in the site-level insight."""
    from tests.factories import CourseFactory

    def add(n: int) -> None:
        courses = [CourseFactory(category=category) for _ in range(n)]
        for course in courses:
            predictions = [
                make_prediction(course_model, e) for e in _enrolled_students(course, 2)
            ]
            insights_generate(model=course_model, predictions=predictions)
        site = [make_prediction(site_model, c) for c in courses]
        insights_generate(model=site_model, predictions=site)

    return add


@pytest.fixture
def many_predictions(course, teacher, course_model, make_prediction):
    """`add(n)`: n more students flagged in `course`'s insight (one notification
    to the teacher each time)."""

    def add(n: int) -> None:
        predictions = [
            make_prediction(course_model, e) for e in _enrolled_students(course, n)
        ]
        insights_generate(model=course_model, predictions=predictions)

    return add


def _insight_url(course_model) -> str:
    return Insight.objects.get(model=course_model).get_absolute_url()


def _render(client, django_assert_max_num_queries, url: str, bound: int) -> int:
    client.get(url)  # the first view may write (a prediction's "details" action)
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_insight_list_makes_as_many_queries_for_many_insights_as_for_one(
    client, manager, many_insights, django_assert_max_num_queries
):
    client.force_login(manager)
    url = reverse("insights:list")
    many_insights(1)
    one = _render(client, django_assert_max_num_queries, url, bound=30)
    many_insights(MANY)
    content = client.get(url).content.decode()
    assert all(i.get_absolute_url() in content for i in Insight.objects.all())
    assert Insight.objects.count() == MANY + 2

    assert _render(client, django_assert_max_num_queries, url, bound=one) == one


def test_the_course_view_makes_as_many_queries_for_many_predictions_as_for_one(
    client, teacher, course_model, many_predictions, django_assert_max_num_queries
):
    client.force_login(teacher)
    many_predictions(1)
    url = _insight_url(course_model)
    one = _render(client, django_assert_max_num_queries, url, bound=30)
    many_predictions(MANY)

    assert _render(client, django_assert_max_num_queries, url, bound=one) == one


def test_a_prediction_page_makes_as_many_queries_in_a_big_insight_as_in_a_small(
    client, teacher, course_model, many_predictions, django_assert_max_num_queries
):
    client.force_login(teacher)
    many_predictions(1)
    url = reverse("insights:prediction", args=[Prediction.objects.first().pk])
    one = _render(client, django_assert_max_num_queries, url, bound=40)
    many_predictions(MANY)

    assert _render(client, django_assert_max_num_queries, url, bound=one) == one


def test_the_notification_list_makes_as_many_queries_for_many_as_for_one(
    client, teacher, many_predictions, django_assert_max_num_queries
):
    client.force_login(teacher)
    url = reverse("insights:notifications")
    many_predictions(1)
    one = _render(client, django_assert_max_num_queries, url, bound=20)
    for _ in range(MANY):
        many_predictions(1)

    assert _render(client, django_assert_max_num_queries, url, bound=one) == one
