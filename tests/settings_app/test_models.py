"""The settings records start with Moodle's defaults and refuse bad values."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from settings_app import selectors
from settings_app.models import AnalyticsSettings, SettingChange, SiteInformation


@pytest.mark.django_db
def test_analytics_settings_start_with_moodles_defaults(settings):
    row = AnalyticsSettings.load()

    assert row.pk == 1
    assert row.enabled is True  # enableanalytics = 1
    assert row.default_processor == "builtin"  # Moodle's default is its PHP backend
    assert row.logstore == "standard"
    assert row.evaluation_intervals == ["quarters_accum", "quarters", "single_range"]
    assert row.only_cli is True  # onlycli = 1
    assert row.model_time_limit == 20 * 60  # modeltimelimit = 20 minutes
    assert row.calc_lifetime == 35  # calclifetime = 35 days
    assert row.models_output_dir == ""
    assert selectors.models_output_dir() == settings.FORESIGHT_DATA_DIR / "models"


def test_calculation_lifetimes_are_moodles():
    values = [value for value, _label in AnalyticsSettings.CalcLifetime.choices]
    assert values == [0, 1000, 365, 180, 150, 120, 90, 60, 35]


@pytest.mark.django_db
def test_site_information_starts_empty_with_moodles_choices():
    row = SiteInformation.load()

    assert row.mode_of_instruction == []
    assert row.institution_type == []
    assert row.institution_level == []
    assert row.percent_online is None
    assert SiteInformation.ModeOfInstruction.values == [
        "facetoface",
        "blendedhybrid",
        "fullyonline",
    ]
    assert [f"levelinstitutionisced{n}" for n in range(9)] == (
        SiteInformation.InstitutionLevel.values
    )


@pytest.mark.django_db
def test_only_one_row_is_ever_created():
    first = AnalyticsSettings.load()
    second = AnalyticsSettings.load()
    assert first.pk == second.pk == 1
    assert AnalyticsSettings.objects.count() == 1


@pytest.mark.parametrize("percent", [-1, 101, 1000])
def test_percentage_outside_0_to_100_is_refused(percent):
    row = SiteInformation(percent_online=percent)
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "percent_online" in error.value.message_dict


@pytest.mark.parametrize("percent", [0, 55, 100])
def test_percentage_between_0_and_100_is_accepted(percent):
    SiteInformation(percent_online=percent).full_clean()


def test_unknown_multi_choice_value_is_refused():
    row = SiteInformation(mode_of_instruction=["facetoface", "telepathy"])
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "telepathy" in str(error.value.message_dict["mode_of_instruction"])


def test_audit_row_names_the_setting_as_the_page_does():
    change = SettingChange(section="analyticssettings", setting="models_output_dir")
    assert change.setting_label() == "Models output directory"
    unknown = SettingChange(section="analyticssettings", setting="gone")
    assert unknown.setting_label() == "gone"
