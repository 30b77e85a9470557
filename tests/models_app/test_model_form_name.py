"""The model form's name: short enough to head a page and name a menu."""

from __future__ import annotations

import pytest

from models_app.forms import NAME_MAX_LENGTH, AnalyticsModelForm

pytestmark = pytest.mark.django_db


def _form(name: str) -> AnalyticsModelForm:
    return AnalyticsModelForm(
        {"name": name, "target": "course_dropout", "indicators": ["read_actions"]}
    )


def test_a_name_up_to_the_limit_is_taken_and_a_longer_one_refused():
    assert NAME_MAX_LENGTH == 255
    assert "name" not in _form("x" * NAME_MAX_LENGTH).errors
    errors = _form("x" * 300).errors["name"]
    assert errors == ["Ensure this value has at most 255 characters (it has 300)."]
