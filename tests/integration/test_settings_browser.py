"""An admin changes the analytics settings in a real browser, in English and Spanish."""

from __future__ import annotations

import re

import pytest

from models_app.models import AnalyticsModel
from models_app.plugins import registry
from settings_app.models import AnalyticsSettings, SettingChange
from tests.fixtures.catalogues import catalogues_compile

pytestmark = pytest.mark.integration

FAKES = "tests.fixtures.fake_processors"


@pytest.fixture
def analytics_site(transactional_db, monkeypatch):
    """Fake processors registered, one model following the site default."""
    registry._load.cache_clear()
    monkeypatch.setattr(
        registry,
        "PROCESSORS",
        {
            "fake_ready": f"{FAKES}.ReadyProcessor",
            "fake_other": f"{FAKES}.OtherReadyProcessor",
        },
    )
    monkeypatch.setattr(registry, "TARGETS", {"fake_learned": f"{FAKES}.LearnedTarget"})
    row = AnalyticsSettings.load()
    row.default_processor = "fake_ready"
    row.save()
    model = AnalyticsModel.objects.create(target="fake_learned", trained=True)
    yield model
    registry._load.cache_clear()


def test_admin_changes_processor_and_intervals_then_sees_an_output_dir_error(
    admin_page, live_url, analytics_site, admin_user, tmp_path
):
    page = admin_page
    change_url = live_url("admin:settings_app_analyticssettings_change", 1)

    page.goto(live_url("admin:index"))
    page.click("text=Analytics settings")
    page.wait_for_url(change_url)
    assert page.locator("h1").inner_text() == "Change analytics settings"
    assert page.is_checked("input[name=evaluation_intervals][value=quarters]")

    page.select_option("#id_default_processor", "fake_other")
    page.uncheck("input[name=evaluation_intervals][value=quarters]")
    page.check("input[name=evaluation_intervals][value=deciles]")
    page.click("input[name=_save]")

    confirmation = page.locator(".processor-change-confirmation")
    assert "1 analytics model uses the default processor" in confirmation.inner_text()
    assert AnalyticsSettings.load().default_processor == "fake_ready"  # not yet
    page.click("text=Yes, change it and clear the models")

    page.wait_for_url(change_url)
    assert "1 analytics model was cleared." in page.locator(".messagelist").inner_text()
    assert page.locator("#id_default_processor").input_value() == "fake_other"
    assert page.is_checked("input[name=evaluation_intervals][value=deciles]")
    assert not page.is_checked("input[name=evaluation_intervals][value=quarters]")
    saved = AnalyticsSettings.load()
    assert saved.default_processor == "fake_other"
    assert saved.evaluation_intervals == ["quarters_accum", "deciles", "single_range"]
    analytics_site.refresh_from_db()
    assert analytics_site.trained is False
    assert set(
        SettingChange.objects.filter(user=admin_user).values_list("setting", flat=True)
    ) == {"default_processor", "evaluation_intervals"}

    blocker = tmp_path / "read-only-file"
    blocker.write_text("not a directory")
    page.fill("#id_models_output_dir", str(blocker / "models"))
    page.click("input[name=_save]")

    error = page.locator(".field-models_output_dir .errorlist")
    assert re.search(r"cannot be created", error.inner_text())
    assert AnalyticsSettings.load().models_output_dir == ""


def test_settings_page_renders_in_spanish_for_a_spanish_browser(
    new_page, admin_login, live_url, analytics_site
):
    catalogues_compile()
    page = admin_login(new_page(locale="es-ES"))

    page.goto(live_url("admin:settings_app_analyticssettings_change", 1))

    assert page.url.endswith("/es/admin/settings_app/analyticssettings/1/change/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Modificar ajustes de analíticas"
    labels = page.locator("label").all_inner_texts()
    assert "Procesador de predicciones predeterminado:" in labels
    assert "Directorio de salida de los modelos:" in labels
    assert "Guardar" in page.locator("input[name=_save]").get_attribute("value")
