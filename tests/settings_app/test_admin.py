"""The admin pages: single-row editing, the confirmation, errors beside fields."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from models_app.models import AnalyticsModel
from settings_app.models import AnalyticsSettings, SettingChange, SiteInformation

CHANGE_URL = reverse("admin:settings_app_analyticssettings_change", args=[1])
SITE_URL = reverse("admin:settings_app_siteinformation_change", args=[1])


def _form_data(**overrides: Any) -> dict[str, Any]:
    row = AnalyticsSettings.load()
    data = {
        "enabled": "on" if row.enabled else "",
        "default_processor": row.default_processor,
        "logstore": row.logstore,
        "evaluation_intervals": list(row.evaluation_intervals),
        "models_output_dir": row.models_output_dir,
        "only_cli": "on" if row.only_cli else "",
        "model_time_limit": row.model_time_limit,
        "calc_lifetime": row.calc_lifetime,
        "mlbackend_url": row.mlbackend_url,
        "mlbackend_username": row.mlbackend_username,
        "mlbackend_password": "",
        "mlbackend_verify_tls": "on" if row.mlbackend_verify_tls else "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def _errors_of(response, field: str) -> str:
    form = response.context["adminform"].form
    return " ".join(form.errors.get(field, []))


@pytest.mark.parametrize("model", ["analyticssettings", "siteinformation"])
def test_the_list_leads_to_the_single_change_page(admin_client, model):
    response = admin_client.get(reverse(f"admin:settings_app_{model}_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        f"admin:settings_app_{model}_change", args=[1]
    )


@pytest.mark.parametrize("model", ["analyticssettings", "siteinformation"])
def test_no_add_and_no_delete(admin_client, model):
    AnalyticsSettings.load()
    SiteInformation.load()
    assert (
        admin_client.get(reverse(f"admin:settings_app_{model}_add")).status_code == 403
    )
    delete = reverse(f"admin:settings_app_{model}_delete", args=[1])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AnalyticsSettings.objects.count() == SiteInformation.objects.count() == 1


def test_analytics_section_lists_the_pages(admin_client):
    page = admin_client.get(reverse("admin:app_list", args=["settings_app"]))
    content = page.content.decode()
    assert "Analytics administration" in content  # the section's own title
    assert "Analytics settings" in content
    assert "Site information" in content
    assert "Setting changes" in content


def test_settings_page_shows_every_field_with_help_and_checkboxes(
    admin_client, settings_row
):
    content = admin_client.get(CHANGE_URL).content.decode()

    for name in _form_data():
        assert f'name="{name}"' in content, name
    assert content.count('type="checkbox" name="evaluation_intervals"') >= 10
    assert 'value="upcoming_week"' not in content  # cannot be evaluated
    assert re.search(r'value="quarters_accum"[^>]*checked', content)
    assert re.search(r'value="fake_ready"[^>]*selected', content)
    assert "Turn off only for a test server" in content  # a help text
    assert 'name="_addanother"' not in content
    assert 'class="deletelink"' not in content


def test_site_information_page_uses_checkboxes(admin_client, db):
    content = admin_client.get(SITE_URL).content.decode()
    assert content.count('type="checkbox" name="institution_level"') == 9
    assert content.count('type="checkbox" name="mode_of_instruction"') == 3
    assert "Enter a number" not in content
    assert "between 0 and 100" in content


def test_site_information_saves_and_audits(admin_client, admin_user, db):
    response = admin_client.post(
        SITE_URL,
        {
            "mode_of_instruction": ["facetoface", "fullyonline"],
            "percent_online": "60",
            "institution_type": ["typeinstitutionacademic"],
            "institution_level": ["levelinstitutionisced6", "levelinstitutionisced7"],
        },
    )
    assert response.status_code == 302
    row = SiteInformation.load()
    assert row.mode_of_instruction == ["facetoface", "fullyonline"]
    assert row.percent_online == 60
    assert (
        SettingChange.objects.filter(user=admin_user, section="analyticssite").count()
        == 4
    )


@pytest.mark.parametrize("percent", ["101", "-5"])
def test_bad_percentage_is_shown_beside_the_field(admin_client, db, percent):
    SiteInformation.objects.update_or_create(pk=1, defaults={"percent_online": 20})
    response = admin_client.post(SITE_URL, {"percent_online": percent})
    assert response.status_code == 200
    assert _errors_of(response, "percent_online")
    assert SiteInformation.load().percent_online == 20


def test_password_is_never_shown_back(admin_client, settings_row):
    AnalyticsSettings.objects.filter(pk=1).update(mlbackend_password="hunter2-secret")

    content = admin_client.get(CHANGE_URL).content.decode()

    assert "hunter2-secret" not in content
    field = re.search(r'<input[^>]*name="mlbackend_password"[^>]*>', content).group(0)
    assert 'type="password"' in field
    assert "value=" not in field
    assert "Leave empty to keep it" in content


def test_empty_password_keeps_the_stored_one_and_clearing_removes_it(
    admin_client, settings_row
):
    AnalyticsSettings.objects.filter(pk=1).update(mlbackend_password="kept")
    admin_client.post(CHANGE_URL, _form_data(only_cli=""))
    assert AnalyticsSettings.load().mlbackend_password == "kept"
    assert AnalyticsSettings.load().only_cli is False

    admin_client.post(CHANGE_URL, _form_data(mlbackend_password_clear="on"))
    assert AnalyticsSettings.load().mlbackend_password == ""
    audit = SettingChange.objects.filter(setting="mlbackend_password").get()
    assert audit.new_value == "(changed)"
    assert "kept" not in audit.old_value


def test_unusable_output_directory_is_shown_beside_the_field(
    admin_client, settings_row, tmp_path
):
    blocker = tmp_path / "read-only-file"
    blocker.write_text("x")
    response = admin_client.post(
        CHANGE_URL,
        _form_data(models_output_dir=str(blocker / "models"), only_cli=""),
    )
    assert response.status_code == 200
    assert "cannot be created" in _errors_of(response, "models_output_dir")
    row = AnalyticsSettings.load()
    assert row.models_output_dir == "" and row.only_cli is True


def test_processor_that_is_not_ready_shows_its_reason(admin_client, settings_row):
    response = admin_client.post(
        CHANGE_URL, _form_data(default_processor="fake_broken")
    )
    assert response.status_code == 200
    errors = _errors_of(response, "default_processor")
    assert "The fake engine is switched off." in errors
    assert AnalyticsSettings.load().default_processor == "fake_ready"


def test_new_processor_is_confirmed_before_models_are_cleared(
    admin_client, admin_user, settings_row, django_capture_on_commit_callbacks
):
    AnalyticsModel.objects.all().delete()  # migrate installs Moodle's default models
    follower = AnalyticsModel.objects.create(target="fake_learned", trained=True)
    AnalyticsModel.objects.create(target="fake_learned", trained=True)
    own = AnalyticsModel.objects.create(
        target="fake_learned", trained=True, processor="fake_ready"
    )

    confirmation = admin_client.post(
        CHANGE_URL,
        _form_data(default_processor="fake_other", evaluation_intervals=["quarters"]),
    )

    assert confirmation.status_code == 200
    text = confirmation.content.decode()
    assert "2 analytics models use the default processor" in text
    assert "Another fake ready processor" in text
    assert AnalyticsSettings.load().default_processor == "fake_ready"  # not yet
    follower.refresh_from_db()
    assert follower.trained is True

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(CHANGE_URL, {"_confirm_processor_change": "1"})

    assert done.status_code == 302
    row = AnalyticsSettings.load()
    assert row.default_processor == "fake_other"
    assert row.evaluation_intervals == ["quarters"]
    follower.refresh_from_db()
    own.refresh_from_db()
    assert follower.trained is False
    assert own.trained is True
    settings_page = admin_client.get(done["Location"]).content.decode()
    assert "2 analytics models were cleared." in settings_page
    audited = set(
        SettingChange.objects.filter(user=admin_user).values_list("setting", flat=True)
    )
    assert audited == {"default_processor", "evaluation_intervals"}


def test_confirming_twice_changes_nothing_more(admin_client, settings_row):
    admin_client.post(CHANGE_URL, _form_data(default_processor="fake_other"))
    admin_client.post(CHANGE_URL, {"_confirm_processor_change": "1"})
    again = admin_client.post(CHANGE_URL, {"_confirm_processor_change": "1"})
    assert again.status_code == 302
    assert SettingChange.objects.filter(setting="default_processor").count() == 1


def test_leaving_the_confirmation_keeps_the_old_processor(admin_client, settings_row):
    admin_client.post(CHANGE_URL, _form_data(default_processor="fake_other"))
    admin_client.get(CHANGE_URL)  # "No, take me back"
    assert AnalyticsSettings.load().default_processor == "fake_ready"


def test_audit_trail_is_listed_read_only(admin_client, settings_row):
    admin_client.post(CHANGE_URL, _form_data(only_cli=""))
    change = SettingChange.objects.get()

    listing = admin_client.get(reverse("admin:settings_app_settingchange_changelist"))
    assert listing.status_code == 200
    assert "Run analytics from the command line only" in listing.content.decode()
    assert (
        admin_client.get(reverse("admin:settings_app_settingchange_add")).status_code
        == 403
    )
    detail = admin_client.get(
        reverse("admin:settings_app_settingchange_change", args=[change.pk])
    )
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    admin_client.post(
        reverse("admin:settings_app_settingchange_change", args=[change.pk]),
        {"new_value": "forged"},
    )
    change.refresh_from_db()
    assert change.new_value == "false"


def test_settings_page_speaks_spanish_to_a_spanish_browser(
    admin_client, settings_row, spanish_catalogue
):
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
    redirect = admin_client.get(CHANGE_URL, **spanish)
    assert redirect.status_code == 302
    assert redirect["Location"] == f"/es{CHANGE_URL}"
    assert "Accept-Language" in redirect["Vary"]

    content = admin_client.get(redirect["Location"], **spanish).content.decode()
    assert 'lang="es"' in content
    assert "Procesador de predicciones predeterminado" in content
    assert "Intervalos de análisis para la evaluación" in content
    assert "No se muestra" not in content
    english = admin_client.get(CHANGE_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Default predictions processor" in english


def test_language_cookie_beats_the_browser(admin_client, settings_row):
    admin_client.cookies["django_language"] = "en"
    response = admin_client.get(CHANGE_URL, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Default predictions processor" in response.content.decode()
