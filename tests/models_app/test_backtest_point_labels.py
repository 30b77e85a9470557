"""Where in the course each backtest point lies, as the backtest page says it."""

from __future__ import annotations

import pytest

from models_app.selectors import backtest_point_labels
from tests.models_app.running_site import dropout_model, finished_course

pytestmark = pytest.mark.django_db


def test_ranges_say_their_share_of_the_course_and_date_for_one_course():
    model = dropout_model()  # quarters: four ranges
    course = finished_course()
    report = {
        "interval": model.interval,
        "test_courses": [{"id": course.pk}],
        "points": [{"point": "range 2"}, {"point": "range 4"}],
    }
    labels = backtest_point_labels(report=report)
    assert labels["range 2"]["short"] == "50%"
    assert labels["range 2"]["label"].startswith("Range 2: 50% of the course, to ")
    assert labels["range 4"]["label"].startswith("Range 4: 100% of the course, to ")


def test_shares_asked_for_are_shares_of_the_course():
    report = {"interval": "quarters", "test_courses": [], "points": [{"point": "25%"}]}
    assert backtest_point_labels(report=report) == {
        "25%": {"short": "25%", "label": "25% of the course"}
    }
