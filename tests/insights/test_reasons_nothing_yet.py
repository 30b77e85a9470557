"""A student's own value that says there is nothing at all ("No access to the
course yet", "No activity in this period") is not followed by "much less recent
than classmates", which says it again: "(classmates have)" when the class has,
nothing when it has not either."""

from __future__ import annotations

import pytest
from django.urls import reverse

from insights.activity import course_activity
from insights.models import Prediction
from insights.reasons import Facts, measure_text
from insights.services import insights_generate
from models_app.plugins.indicators.classmates import ComparedWithClassmates
from models_app.plugins.indicators.relative_activity import RelativeActivity
from models_app.plugins.registry import indicator_measure
from tests.fixtures.analysis_site import DAY, START, course, log, student, teacher

pytestmark = pytest.mark.django_db

END = START + 10 * DAY


class RelativeActivityClassmates(ComparedWithClassmates):
    """Relative activity against the classmates, as a site could register it."""

    key = "relative_activity_classmates"
    label = "Relative activity compared with classmates"
    base = RelativeActivity


@pytest.fixture
def biology():
    """A course where a classmate accessed it on days 1 and 5 and `me` never did."""
    c = course(fullname="Biology")
    me, other = student(c), student(c)
    log(other.user_id, c, START + DAY + 60)
    log(other.user_id, c, START + 5 * DAY + 60)
    return c, me, other


def _facts(c, user_id: int) -> Facts:
    return Facts(
        activity=course_activity(course=c, until=END),
        user_id=user_id,
        start=START,
        end=END,
    )


def test_no_access_yet_says_classmates_have_instead_of_less_recent(biology):
    c, me, _other = biology
    calculations = {
        "days_since_last_access": -1.0,
        "days_since_last_access_classmates": -0.6,  # far below the class
    }

    text = measure_text("days_since_last_access", calculations, _facts(c, me.user_id))

    assert text == "No access to the course yet (classmates have)"


@pytest.fixture
def relative_activity_classmates(monkeypatch):
    from models_app.plugins import registry

    monkeypatch.setitem(
        registry.INDICATORS,
        RelativeActivityClassmates.key,
        f"{__name__}.RelativeActivityClassmates",
    )
    yield
    indicator_measure.cache_clear()  # the key is unregistered again


@pytest.mark.usefixtures("relative_activity_classmates")
def test_no_activity_says_classmates_have_instead_of_lower(biology):
    c, me, _other = biology
    calculations = {"relative_activity": -1.0, "relative_activity_classmates": -0.3}

    text = measure_text("relative_activity", calculations, _facts(c, me.user_id))

    assert text == "No activity in this period (classmates have)"


def test_when_the_class_has_no_access_either_no_comparison_is_added(biology):
    c, me, _other = biology
    calculations = {
        "days_since_last_access": -1.0,
        "days_since_last_access_classmates": 0.0,  # the class mean
    }

    text = measure_text("days_since_last_access", calculations, _facts(c, me.user_id))

    assert text == "No access to the course yet"


def test_a_student_who_has_accessed_keeps_the_comparison(biology):
    c, _me, other = biology
    calculations = {
        "days_since_last_access": 0.4,
        "days_since_last_access_classmates": -0.6,
    }

    text = measure_text(
        "days_since_last_access", calculations, _facts(c, other.user_id)
    )

    assert text == "No access for 5 days (much less recent than classmates)"


def test_without_the_courses_figures_the_comparison_stays():
    calculations = {
        "days_since_last_access": -1.0,
        "days_since_last_access_classmates": -0.6,
    }

    text = measure_text("days_since_last_access", calculations)

    assert text == "No access for 28 days or more (much less recent than classmates)"


def test_the_prediction_page_says_no_access_yet_once(client, biology):
    from access.selectors import context_of
    from models_app.models import AnalyticsModel

    c, me, _other = biology
    teacher_user = teacher(c)
    model = AnalyticsModel.objects.create(
        target="course_dropout",
        indicators=["days_since_last_access", "days_since_last_access_classmates"],
        interval="quarters",
        enabled=True,
        trained=True,
    )
    prediction = Prediction.objects.create(
        model=model,
        context=context_of(c),
        sampleid=me.pk,
        rangeindex=0,
        prediction=1,
        predictionscore=0.9,
        timestart=START,
        timeend=END,
        calculations={
            "days_since_last_access": -1.0,
            "days_since_last_access_classmates": -0.6,
        },
        reasons={
            "method": "linear",
            "items": [
                {"key": "days_since_last_access", "weight": 1.5},
                {"key": "days_since_last_access_classmates", "weight": 0.5},
            ],
        },
    )
    insights_generate(model=model, predictions=[prediction])
    client.force_login(teacher_user)

    html = client.get(reverse("insights:prediction", args=[prediction.pk])).content
    html = html.decode()

    reasons = html.split('id="reasons"')[1].split("</ol>")[0]
    assert "No access to the course yet (classmates have)" in reasons
    assert "recent than classmates" not in html
