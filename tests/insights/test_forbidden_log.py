"""A 403 (a context the user may not see) is one warning line in the log, no traceback."""

from __future__ import annotations

import logging

import pytest

from insights.services import insights_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def insight(course_model, make_prediction, enrolment):
    prediction = make_prediction(course_model, enrolment)
    (insight,) = insights_generate(model=course_model, predictions=[prediction])
    return insight


def test_a_refused_insight_logs_one_line_without_traceback(
    client, insight, other_teacher, caplog
):
    client.force_login(other_teacher)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(insight.get_absolute_url())
    assert response.status_code == 403
    assert "You may not see the insights of this context." in response.content.decode()
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    (record,) = records
    assert record.levelno == logging.WARNING
    assert (
        record.getMessage()
        == f"Forbidden (Permission denied): {insight.get_absolute_url()}"
    )
    assert record.exc_info is None
    formatted = logging.Formatter().format(record)
    assert "Traceback" not in formatted and "\n" not in formatted


def test_other_errors_keep_their_traceback():
    """The filter only touches PermissionDenied: a real fault keeps its traceback."""
    from config.logfilters import PermissionDeniedWithoutTraceback

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.makeLogRecord({"msg": "x", "exc_info": sys.exc_info()})
    assert PermissionDeniedWithoutTraceback().filter(record) is True
    assert record.exc_info is not None
