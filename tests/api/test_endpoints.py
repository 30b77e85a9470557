"""What the API answers: shapes, filters, pagination, errors, throttling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from insights.models import Insight, Prediction, PredictionAction
from insights.services import insights_generate
from models_app.models import ModelLog
from settings_app.models import AnalyticsSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_insight(course_model, make_prediction, enrolment):
    prediction = make_prediction(course_model, enrolment)
    (insight,) = insights_generate(model=course_model, predictions=[prediction])
    return insight, prediction


@pytest.fixture
def other_insight(course_model, make_prediction, other_enrolment):
    prediction = make_prediction(course_model, other_enrolment)
    (insight,) = insights_generate(model=course_model, predictions=[prediction])
    return insight, prediction


def test_a_prediction_comes_with_its_reasons_and_the_viewers_actions(
    course_insight, teacher, api_client, course, course_model
):
    insight, prediction = course_insight
    PredictionAction.objects.create(
        prediction=prediction, user=teacher, actionname="fixed"
    )
    client = api_client(teacher)

    row = client.get(f"/api/v1/predictions/{prediction.pk}/").json()

    assert row["id"] == prediction.pk
    assert row["model"] == {"id": course_model.pk, "name": "Students at risk"}
    assert row["course"] == course.pk
    assert row["context"]["level"] == "course"
    assert row["calculations"] == {"fake_any_access": -1.0, "fake_read_actions": 0.33}
    by_key = {value["key"]: value for value in row["indicators"]}
    assert by_key["fake_any_access"]["outcome"] == "concern"
    assert [a["name"] for a in row["actions_taken"]] == ["fixed"]
    assert {"fixed", "notapplicable"} <= {a["name"] for a in row["available_actions"]}
    assert row["url"].endswith(f"/insights/predictions/{prediction.pk}/")
    # The insight's page leaves out what the viewer flagged; so does its API list.
    listed = client.get(f"/api/v1/insights/{insight.pk}/predictions/").json()
    assert listed["results"] == []


def test_insights_filter_by_course_model_and_time(
    course_insight, other_insight, manager, api_client, course, other_course
):
    insight, _prediction = course_insight
    other, _other_prediction = other_insight
    Insight.objects.filter(pk=other.pk).update(
        timemodified=timezone.now() - dt.timedelta(days=10)
    )
    client = api_client(manager)

    def ids(**params) -> list[int]:
        response = client.get("/api/v1/insights/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [insight.pk, other.pk]  # newest first
    assert ids(course=course.pk) == [insight.pk]
    assert ids(course=other_course.pk) == [other.pk]
    assert ids(model=insight.model_id) == [insight.pk, other.pk]
    assert ids(model=insight.model_id + 100) == []
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(since=since) == [insight.pk]
    assert ids(until=since) == [other.pk]
    assert ids(since=(timezone.now() - dt.timedelta(days=30)).date()) == [
        insight.pk,
        other.pk,
    ]


def test_predictions_filter_by_time_made(
    course_insight, other_insight, manager, api_client
):
    _insight, recent = course_insight
    _other, old = other_insight
    Prediction.objects.filter(pk=old.pk).update(
        timecreated=timezone.now() - dt.timedelta(days=10)
    )
    client = api_client(manager)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    rows = client.get("/api/v1/predictions/", {"since": since}).json()["results"]

    assert [row["id"] for row in rows] == [recent.pk]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"course": "BIO101"}, "course", "whole number"),
        ({"model": "0"}, "model", "whole number"),
        ({"since": "yesterday"}, "since", "ISO 8601"),
        ({"until": "2026-13-45"}, "until", "ISO 8601"),
    ],
)
def test_a_bad_filter_is_a_400_that_says_what_to_send(
    params, field, words, manager, api_client, course_insight
):
    response = api_client(manager).get("/api/v1/predictions/", params)

    assert response.status_code == 400
    assert words in response.json()[field]


def test_lists_are_paginated(course_insight, other_insight, manager, api_client):
    client = api_client(manager)

    first = client.get("/api/v1/insights/", {"page_size": 1}).json()

    assert first["count"] == 2
    assert len(first["results"]) == 1
    second = client.get(first["next"]).json()
    assert second["next"] is None
    assert second["results"][0]["id"] != first["results"][0]["id"]
    assert client.get("/api/v1/insights/", {"page": 9}).status_code == 404


def test_a_disabled_models_insight_is_404_and_an_unknown_id_too(
    course_insight, manager, api_client, course_model
):
    insight, prediction = course_insight
    client = api_client(manager)
    course_model.enabled = False
    course_model.save()

    assert client.get(f"/api/v1/insights/{insight.pk}/").status_code == 404
    assert client.get(f"/api/v1/predictions/{prediction.pk}/").status_code == 404
    assert client.get("/api/v1/insights/").json()["results"] == []
    assert client.get("/api/v1/insights/999999/").status_code == 404
    assert client.get("/api/v1/insights/abc/").status_code == 404
    assert client.get("/api/v1/predictions/99999999999999999999/").status_code == 404


def test_models_have_status_last_run_and_last_evaluation(
    manager, api_client, course_model
):
    ModelLog.objects.create(
        model=course_model, kind=ModelLog.Kind.EVALUATION, result="ok", score=0.75
    )
    ModelLog.objects.create(
        model=course_model, kind=ModelLog.Kind.PREDICTION, result="failed"
    )

    rows = api_client(manager).get("/api/v1/models/").json()["results"]

    row = next(r for r in rows if r["id"] == course_model.pk)
    assert row["status"] == "ready"
    assert row["last_run"]["result"] == "failed"
    assert row["last_evaluation"]["score"] == 0.75
    assert row["last_evaluation"]["kind"] == "evaluation"
    assert row["last_evaluation"]["result"] == "ok"


def test_models_are_refused_while_analytics_is_disabled(manager, api_client):
    row = AnalyticsSettings.load()
    AnalyticsSettings.objects.filter(pk=row.pk).update(enabled=False)

    response = api_client(manager).get("/api/v1/models/")

    assert response.status_code == 403
    assert "Analytics is disabled" in response.json()["detail"]


def test_the_api_is_rate_limited_per_user(monkeypatch, teacher, api_client):
    from rest_framework.throttling import SimpleRateThrottle

    # DRF reads the rates once, into this class attribute.
    rates = {"user": "2/minute", "anon": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    client = api_client(teacher)
    try:
        codes = [client.get("/api/v1/insights/").status_code for _ in range(3)]
    finally:
        cache.clear()

    assert codes == [200, 200, 429]


def test_a_page_of_predictions_costs_the_same_queries_for_one_or_many(
    course_model, make_prediction, manager, api_client, django_assert_max_num_queries
):
    from tests.factories import EnrolmentFactory, UserFactory

    client = api_client(manager)

    def add(n: int, course) -> None:
        enrolments = [
            EnrolmentFactory(user=UserFactory(), course=course) for _ in range(n)
        ]
        insights_generate(
            model=course_model,
            predictions=[make_prediction(course_model, e) for e in enrolments],
        )

    from tests.factories import CourseFactory

    add(1, CourseFactory())
    with django_assert_max_num_queries(40) as few:
        assert client.get("/api/v1/predictions/").status_code == 200
    add(20, CourseFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = client.get("/api/v1/predictions/").json()["results"]
    assert len(rows) == 21
