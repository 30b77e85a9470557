"""The prediction page and the course view give each measure one reason: an
indicator and its classmates variant, which the model weighed with opposite signs,
are one line with their net direction, in plain words."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from insights.services import insights_generate

pytestmark = pytest.mark.django_db

# What a logistic regression trained on tests/models_app/running_site.py with
# these indicators stored for an idle student (test_reasons_grouped.py trains it).
CALCULATIONS = {
    "any_course_access": -1.0,
    "read_actions": -1.0,
    "read_actions/mean": -0.67,
    "read_actions_classmates": -0.33,
    "days_since_last_access": -1.0,
    "days_since_last_access/mean": -0.08,
    "days_since_last_access_classmates": -0.33,
}
REASONS = {
    "method": "linear",
    "items": [
        {"key": "any_course_access", "weight": 4.0796},
        {"key": "days_since_last_access", "weight": 3.641},
        {"key": "read_actions_classmates", "weight": -1.3233},
        {"key": "read_actions", "weight": -0.7548},
        {"key": "days_since_last_access_classmates", "weight": -0.6226},
        {"key": "read_actions/mean", "weight": 0.2},
    ],
}


@pytest.fixture
def paired_prediction(course_model, make_prediction, enrolment):
    # The model's indicators, in the order the page lists them (a JSON column on
    # PostgreSQL does not keep the calculations' key order).
    course_model.indicators = [
        "any_course_access",
        "read_actions",
        "read_actions_classmates",
        "days_since_last_access",
        "days_since_last_access_classmates",
    ]
    course_model.save()
    return make_prediction(
        course_model, enrolment, calculations=CALCULATIONS, reasons=REASONS
    )


def _items(html: str, list_id: str) -> list[str]:
    block = html.split(f'id="{list_id}"')[1].split("</ol>")[0].split("</ul>")[0]
    return re.findall(r"<li\b.*?</li>", block, flags=re.S)


def test_the_page_shows_each_measure_once_with_its_net_direction(
    client, teacher, paired_prediction
):
    client.force_login(teacher)

    response = client.get(reverse("insights:prediction", args=[paired_prediction.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    reasons = _items(html, "reasons")
    keys = [re.search(r'data-key="([^"]+)"', r).group(1) for r in reasons]
    assert keys == ["any_course_access", "days_since_last_access", "read_actions"]
    days, read = reasons[1], reasons[2]
    # 3.641 - 0.6226: the pair together raises the risk, on one line.
    assert 'class="raises"' in days and "raises the risk" in days
    assert "No access for 28 days or more (less recent than classmates)" in days
    assert (
        'data-columns="days_since_last_access days_since_last_access_classmates"'
        in days
    )
    # -1.3233 - 0.7548: lowers it, and the meter is its share of the largest.
    assert "lowers the risk" in read
    assert "Read actions: very low (lower than classmates)" in read
    assert "width: 51%" in read  # 2.0781 / 4.0796
    assert "compared with classmates" not in "".join(reasons)
    # The class as a whole: its means, one per measure, apart.
    about_class = html.split('id="class-reasons"')[1].split("</p>")[0]
    assert "Read actions: very low (raises the risk)" in about_class
    # Every indicator of the prediction, each measure once.
    values = [re.sub(r"<.*?>", "", v).strip() for v in _items(html, "indicator-values")]
    assert values == [
        "Did not access the course in this period",
        "Read actions: very low (lower than classmates)",
        "No access for 28 days or more (less recent than classmates)",
    ]


def test_the_course_view_lists_the_same_reasons_as_the_page(
    client, teacher, course_model, paired_prediction
):
    (insight,) = insights_generate(model=course_model, predictions=[paired_prediction])
    client.force_login(teacher)

    html = client.get(insight.get_absolute_url()).content.decode()

    row = html.split(f'id="prediction-{paired_prediction.pk}"')[1].split("</tr>")[0]
    cell = row.split('class="reasons-cell"')[1]
    texts = [
        re.sub(r"<.*?>|▲|▼", "", li).strip() for li in re.findall(r"<li.*?</li>", cell)
    ]
    assert texts == [
        "Did not access the course in this period",
        "No access for 28 days or more (less recent than classmates)",
        "Read actions: very low (lower than classmates)",
    ]
