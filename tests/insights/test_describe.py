"""Indicator values and samples in words."""

from __future__ import annotations

import math

import pytest

from insights.describe import (
    indicator_values,
    indicators_weighed_most,
    samples_describe,
)


def test_indicator_values_in_words():
    values = {
        v.key: v
        for v in indicator_values(
            {
                "fake_any_access": -1.0,
                "fake_read_actions": 0.5,
                "fake_read_actions/mean": 0.1,
                "unregistered": 0.0,
                "empty": None,
                "nan": math.nan,
                "_weights": {},
            }
        )
    }
    assert set(values) == {"fake_any_access", "fake_read_actions", "unregistered"}
    assert values["fake_any_access"].display == "No"
    assert values["fake_any_access"].outcome == "concern"
    assert values["fake_read_actions"].label == "Read actions amount (fake)"
    assert values["fake_read_actions"].display == "75 %"
    assert values["unregistered"].label == "unregistered"


def test_weighed_most_falls_back_to_distance_from_neutral():
    ranked, by_weights = indicators_weighed_most(
        {"fake_any_access": 0.2, "fake_read_actions": -0.9, "other": 0.0}
    )
    assert by_weights is False
    assert [v.key for v in ranked] == ["fake_read_actions", "fake_any_access"]


@pytest.mark.django_db
def test_samples_that_no_longer_exist_are_absent(enrolment, course, student):
    found = samples_describe(kind="enrolment", ids=[enrolment.pk, enrolment.pk + 999])
    assert list(found) == [enrolment.pk]
    assert found[enrolment.pk].detail == "Biology"
    assert found[enrolment.pk].url_args["user_id"] == student.pk
    assert samples_describe(kind="course", ids=[course.pk])[course.pk].name == "Biology"
