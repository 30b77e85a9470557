"""A rule's insight (a yes/no target, based on assumptions: every score is the same)
draws no risk histogram; it counts the flagged per predicted outcome when there is
more than one, and a trained model's insight keeps its histogram."""

from __future__ import annotations

import pytest

from insights.models import Prediction
from insights.services import insights_generate
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def _page(client, user, model, predictions) -> str:
    (insight,) = insights_generate(model=model, predictions=predictions)
    client.force_login(user)
    response = client.get(insight.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_rule_insight_has_no_risk_histogram(
    client, manager, site_model, make_prediction, category
):
    courses = [CourseFactory(category=category, shortname=f"C{i}") for i in range(3)]
    predictions = [make_prediction(site_model, c, score=1.0) for c in courses]

    html = _page(client, manager, site_model, predictions)

    assert 'id="distribution-chart"' not in html and "<svg" not in html
    assert 'id="outcome-counts"' not in html  # one outcome: the summary says it
    assert "3 flagged" in html


def test_a_rule_insight_counts_each_predicted_outcome(
    client, manager, site_model, make_prediction, category
):
    courses = [CourseFactory(category=category, shortname=f"C{i}") for i in range(3)]
    predictions = [make_prediction(site_model, c, score=1.0) for c in courses]
    Prediction.objects.filter(pk=predictions[0].pk).update(prediction=0)
    predictions[0].refresh_from_db()

    html = _page(client, manager, site_model, predictions)

    assert 'id="distribution-chart"' not in html
    table = html.split('id="outcome-counts"')[1].split("</table>")[0]
    assert "<td>Yes</td><td>2</td>" in table and "<td>No</td><td>1</td>" in table
    assert table.index("Yes") < table.index("No")  # most first


def test_a_trained_model_insight_keeps_its_histogram(
    client, teacher, course_model, make_prediction, enrolment
):
    html = _page(
        client, teacher, course_model, [make_prediction(course_model, enrolment)]
    )

    assert 'id="distribution-chart"' in html and 'id="outcome-counts"' not in html
