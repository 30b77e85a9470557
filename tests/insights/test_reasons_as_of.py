"""The pages say as of when the reasons hold: the end of the analysed period, not
the day the page is read ("No access for 1 day" counts to that end)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from insights.services import insights_generate

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 15, 12, tzinfo=dt.UTC)
REASONS = {"method": "linear", "items": [{"key": "fake_any_access", "weight": 2.0}]}


@pytest.fixture
def prediction(course_model, make_prediction, enrolment):
    return make_prediction(
        course_model,
        enrolment,
        timestart=int(START.timestamp()),
        timeend=int(END.timestamp()),
        reasons=REASONS,
    )


def test_the_prediction_page_dates_its_reasons(client, teacher, prediction):
    client.force_login(teacher)
    html = client.get(reverse("insights:prediction", args=[prediction.pk])).content
    text = html.decode()
    assert 'id="reasons"' in text
    assert "Reasons as of 15 Nov 2026, the end of the analysed period." in text


def test_without_a_range_the_reasons_are_dated_by_the_prediction(
    client, teacher, course_model, make_prediction, enrolment
):
    prediction = make_prediction(course_model, enrolment, reasons=REASONS)
    client.force_login(teacher)
    text = client.get(reverse("insights:prediction", args=[prediction.pk])).content
    made = prediction.timecreated.astimezone(dt.UTC)
    assert (
        f"Reasons as of {made.day} {made:%b %Y}, when the prediction was made."
        in text.decode()
    )


def test_the_insight_page_dates_its_reasons(client, teacher, course_model, prediction):
    (insight,) = insights_generate(model=course_model, predictions=[prediction])
    client.force_login(teacher)
    text = client.get(insight.get_absolute_url()).content.decode()
    assert "Reasons as of 15 Nov 2026, the end of the analysed period." in text


def test_an_insight_whose_rows_have_no_reasons_dates_none(
    client, teacher, course_model, make_prediction, enrolment
):
    """A rule's predictions carry no reasons: no line dates what is not there."""
    bare = make_prediction(
        course_model,
        enrolment,
        timestart=int(START.timestamp()),
        timeend=int(END.timestamp()),
    )
    (insight,) = insights_generate(model=course_model, predictions=[bare])
    client.force_login(teacher)
    text = client.get(insight.get_absolute_url()).content.decode()
    assert "Reasons as of" not in text
    assert 'id="insight-form"' in text  # the table is there, with its row
