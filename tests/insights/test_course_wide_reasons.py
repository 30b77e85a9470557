"""Course-wide indicators (their value depends only on the course, e.g. completion
tracking enabled) are reasons about the class as a whole, never one of a student's
own reasons: on the prediction page, in the course view's top three and in the
list of every indicator."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from insights.models import Prediction
from insights.reasons import (
    about_the_class,
    course_wide,
    indicator_texts,
    prediction_reasons,
)
from insights.services import insights_generate
from models_app.plugins import registry

# Of the registered indicators, those whose value is the same for every student
# of a course (each read only from the course: its settings, activities, roles).
COURSE_WIDE = {
    "completion_enabled",
    "potential_cognitive_depth",
    "potential_social_breadth",
    "no_teacher",
    "no_student",
}
CALCULATIONS = {
    "completion_enabled": 1.0,
    "potential_cognitive_depth": 0.5,
    "any_course_access": -1.0,
    "read_actions": -1.0,
    "read_actions/mean": -0.67,
    "read_actions_classmates": -0.33,
    "days_since_last_access": -1.0,
}
# The largest weight is the course's: "Completion tracking enabled: Yes".
REASONS = {
    "method": "linear",
    "items": [
        {"key": "completion_enabled", "weight": 5.0},
        {"key": "any_course_access", "weight": 4.0},
        {"key": "potential_cognitive_depth", "weight": -3.5},
        {"key": "days_since_last_access", "weight": 3.0},
        {"key": "read_actions", "weight": 2.0},
        {"key": "read_actions_classmates", "weight": 0.5},
        {"key": "read_actions/mean", "weight": 0.2},
    ],
}


def _prediction(**kwargs) -> Prediction:
    return Prediction(calculations=CALCULATIONS, reasons=REASONS, **kwargs)


@pytest.mark.parametrize("key", sorted(registry.INDICATORS))
def test_an_indicator_is_course_wide_only_if_its_value_is_the_courses(key):
    cls = registry.indicator_class(key)
    assert cls.course_wide is (key in COURSE_WIDE)
    assert course_wide(key) is (key in COURSE_WIDE)


def test_a_course_wide_column_is_about_the_class():
    assert about_the_class("completion_enabled") is True
    assert about_the_class("read_actions/mean") is True
    assert about_the_class("read_actions") is False
    assert about_the_class("read_actions_classmates") is False
    assert about_the_class("not_registered") is False


def test_the_students_reasons_leave_out_the_course_wide_indicators():
    mine = prediction_reasons(_prediction(), about_class=False)

    assert [r.key for r in mine] == [
        "any_course_access",
        "days_since_last_access",
        "read_actions",
    ]
    assert mine[0].share == 100  # against the student's largest, not the course's
    assert not any("Completion" in r.text for r in mine)


def test_the_top_three_are_the_students_own():
    top = prediction_reasons(_prediction(), limit=3, about_class=False)

    assert "completion_enabled" not in [r.key for r in top]
    assert "potential_cognitive_depth" not in [r.key for r in top]
    assert len(top) == 3


def test_the_class_reasons_list_the_course_wide_values_with_the_means():
    about_class = prediction_reasons(_prediction(), about_class=True)

    assert [(r.key, r.text, r.raises) for r in about_class] == [
        ("completion_enabled", "Completion tracking enabled: Yes", True),
        ("potential_cognitive_depth", "Course potential cognitive depth: high", False),
        ("read_actions", "Read actions: very low", True),
    ]


def test_every_reason_is_either_the_students_or_the_classs():
    prediction = _prediction()
    mine = prediction_reasons(prediction, about_class=False)
    about_class = prediction_reasons(prediction, about_class=True)
    both = prediction_reasons(prediction, about_class=None)

    mine_columns = {c for r in mine for c in r.columns}
    class_columns = {c for r in about_class for c in r.columns}
    assert not mine_columns & class_columns
    assert mine_columns | class_columns == {c for r in both for c in r.columns}


def test_the_list_of_indicators_puts_the_course_values_apart():
    assert indicator_texts(CALCULATIONS) == [
        "Did not access the course in this period",
        "Read actions: very low (lower than classmates)",
        "No access for 28 days or more",
    ]
    assert indicator_texts(CALCULATIONS, about_class=True) == [
        "Completion tracking enabled: Yes",
        "Course potential cognitive depth: high",
    ]


@pytest.fixture
def prediction(db, course_model, make_prediction, enrolment):
    return make_prediction(
        course_model, enrolment, calculations=CALCULATIONS, reasons=REASONS
    )


def _texts(block: str) -> list[str]:
    return [
        re.sub(r"<.*?>|▲|▼|\s+(raises|lowers) the risk", "", li).strip()
        for li in re.findall(r"<li\b.*?</li>", block, flags=re.S)
    ]


def test_the_prediction_page_shows_a_course_wide_reason_with_the_class(
    client, teacher, prediction
):
    client.force_login(teacher)

    html = client.get(reverse("insights:prediction", args=[prediction.pk])).content
    html = html.decode()

    reasons = html.split('id="reasons"')[1].split("</ol>")[0]
    assert "Completion tracking" not in reasons
    assert "cognitive depth" not in reasons
    assert re.findall(r'data-key="([^"]+)"', reasons) == [
        "any_course_access",
        "days_since_last_access",
        "read_actions",
    ]
    about_class = html.split('id="class-reasons"')[1].split("</p>")[0]
    assert "Completion tracking enabled: Yes (raises the risk)" in about_class
    assert "Course potential cognitive depth: high (lowers the risk)" in about_class
    student_values = html.split('id="indicator-values"')[1].split("</ul>")[0]
    assert "Completion tracking" not in student_values
    course_values = html.split('id="course-indicator-values"')[1].split("</ul>")[0]
    assert _texts(course_values) == [
        "Completion tracking enabled: Yes",
        "Course potential cognitive depth: high",
    ]


def test_the_course_views_top_three_leave_out_the_course_wide_reasons(
    client, teacher, course_model, prediction
):
    (insight,) = insights_generate(model=course_model, predictions=[prediction])
    client.force_login(teacher)

    html = client.get(insight.get_absolute_url()).content.decode()

    row = html.split(f'id="prediction-{prediction.pk}"')[1].split("</tr>")[0]
    cell = row.split('class="reasons-cell"')[1].split("</td>")[0]
    assert _texts(cell) == [
        "Did not access the course in this period",
        "No access for 28 days or more",
        "Read actions: very low (lower than classmates)",
    ]
