"""The settings audit records what changed, not a reordering (issue 14.4)."""

from __future__ import annotations

import pytest

from settings_app.models import AnalyticsSettings, SettingChange
from settings_app.services import analytics_settings_update

pytestmark = pytest.mark.django_db


def test_reordering_the_evaluation_intervals_records_no_change():
    analytics_settings_update(values={"evaluation_intervals": ["quarters", "deciles"]})
    SettingChange.objects.all().delete()

    result = analytics_settings_update(
        values={"evaluation_intervals": ["deciles", "quarters"]}
    )

    assert result.changes == []
    assert SettingChange.objects.exists() is False


def test_a_real_change_of_the_intervals_is_still_recorded():
    analytics_settings_update(values={"evaluation_intervals": ["quarters", "deciles"]})
    SettingChange.objects.all().delete()

    analytics_settings_update(values={"evaluation_intervals": ["quarters"]})

    (row,) = SettingChange.objects.all()
    assert row.setting == "evaluation_intervals"
    assert AnalyticsSettings.load().evaluation_intervals == ["quarters"]
